import CZip

/// A zip archive opened from memory with libzip, reading entries under `DocxLimits`.
///
/// libzip reads from a buffer it does not own (zip_source_buffer with freep = 0), so the archive keeps
/// its own copy of the bytes alive until `zip_discard`.
final class ZipArchive {
    private let storage: UnsafeMutableRawBufferPointer
    private let archive: OpaquePointer
    private let limits: DocxLimits
    /// Uncompressed bytes handed out so far, against `maxTotalBytes`.
    private var totalRead = 0

    init(bytes: [UInt8], limits: DocxLimits) throws(DocxError) {
        self.limits = limits
        if bytes.count > limits.maxInputBytes { throw .tooLargeInput(bytes: bytes.count, limit: limits.maxInputBytes) }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) { throw .encryptedOrLegacyDoc }
        // Every zip with entries starts with a local file header ("PK\3\4"); an empty one with the end record.
        let startsLikeZip = bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06])
        if !startsLikeZip { throw .notAZip }

        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 1)
        storage.copyBytes(from: bytes)
        var error = zip_error_t()
        zip_error_init(&error)
        defer { zip_error_fini(&error) }
        guard let source = zip_source_buffer_create(storage.baseAddress, zip_uint64_t(bytes.count), 0, &error) else {
            storage.deallocate()
            throw .truncatedZip(detail: String(cString: zip_error_strerror(&error)))
        }
        // ZIP_CHECKCONS: libzip compares the central directory with the local headers, which catches
        // a cut-off archive whose end record happens to survive.
        guard let archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error) else {
            zip_source_free(source)
            storage.deallocate()
            throw .truncatedZip(detail: String(cString: zip_error_strerror(&error)))
        }
        self.archive = archive
        let count = Int(zip_get_num_entries(archive, 0))
        // Every stored property is set, so throwing now runs deinit, which frees the archive and the copy.
        if count > limits.maxEntries { throw .tooManyEntries(count: count, limit: limits.maxEntries) }
    }

    deinit {
        zip_discard(archive)
        storage.deallocate()
    }

    func contains(_ name: String) -> Bool { zip_name_locate(archive, name, 0) >= 0 }

    /// The entry's uncompressed bytes, or nil when there is no such entry.
    func read(_ name: String) throws(DocxError) -> [UInt8]? {
        let index = zip_name_locate(archive, name, 0)
        if index < 0 { return nil }
        var stat = zip_stat_t()
        zip_stat_init(&stat)
        if zip_stat_index(archive, zip_uint64_t(index), 0, &stat) != 0 {
            throw .corruptEntry(entry: name, detail: lastError())
        }
        let declared = Int(clamping: stat.size)
        let compressed = max(Int(clamping: stat.comp_size), 1)
        if declared > limits.maxEntryBytes {
            throw .entryTooLarge(entry: name, declaredBytes: declared, limit: limits.maxEntryBytes)
        }
        try checkRatio(name, uncompressed: declared, compressed: compressed)
        if totalRead + declared > limits.maxTotalBytes { throw .totalTooLarge(limit: limits.maxTotalBytes) }

        guard let file = zip_fopen_index(archive, zip_uint64_t(index), 0) else {
            throw .corruptEntry(entry: name, detail: lastError())
        }
        defer { zip_fclose(file) }
        // Read until EOF even past the declared size: the read cap, not the header, bounds the memory.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(declared, limits.maxEntryBytes))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress, zip_uint64_t($0.count)) }
            if count < 0 {
                throw .corruptEntry(entry: name, detail: String(cString: zip_error_strerror(zip_file_get_error(file))))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<Int(count)])
            if bytes.count > limits.maxEntryBytes { throw .entryReadTooLarge(entry: name, limit: limits.maxEntryBytes) }
            if totalRead + bytes.count > limits.maxTotalBytes { throw .totalTooLarge(limit: limits.maxTotalBytes) }
            try checkRatio(name, uncompressed: bytes.count, compressed: compressed)
        }
        totalRead += bytes.count
        return bytes
    }

    private func checkRatio(_ name: String, uncompressed: Int, compressed: Int) throws(DocxError) {
        guard uncompressed > limits.compressionRatioFloor else { return }
        let ratio = uncompressed / compressed
        if ratio > limits.maxCompressionRatio {
            throw .compressionRatioTooHigh(entry: name, ratio: ratio, limit: limits.maxCompressionRatio)
        }
    }

    private func lastError() -> String { String(cString: zip_strerror(archive)) }
}
