import ModelFiles

/// The lexicon files as text.
enum TextFile {
    static func readUTF8(_ path: String) throws(VaderLexiconError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try ModelFile.read(path)
        } catch {
            switch error {
            case .missing: throw .missingFile(path: path)
            case .cannotOpen(_, let code), .cannotRead(_, let code): throw .unreadableFile(path: path, errno: code)
            }
        }
        // Python opens the files with the strict utf-8 codec, so a bad byte is an error, not U+FFFD.
        let isInvalid = transcode(bytes.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: true) { _ in }
        guard !isInvalid else { throw .invalidUTF8(path: path) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
