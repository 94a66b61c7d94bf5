import GuardedFetch
import Glibc
import PluginFetch
import PluginKit

/// A document's bytes and where they came from (reported in the result's `source`).
struct DocumentSource {
    var bytes: [UInt8]
    var isText: Bool
    var report: [String: JSONValue]

    /// Reads the task's source under the plugin's limits. Blocking (file reads, the fetch).
    static func load(_ origin: DocumentOrigin, config: DocumentsConfig, fetcher: Fetcher, context: TaskContext) throws -> DocumentSource {
        let limit = config.maxInputBytes
        switch origin {
        case .content(let bytes, let isText):
            try checkSize(bytes.count, limit: limit)
            return DocumentSource(bytes: bytes, isText: isText, report: ["kind": "content"])
        case .path(let path):
            let (resolved, bytes) = try readUnderDocumentsDirectory(path, config: config)
            return DocumentSource(bytes: bytes, isText: false, report: ["kind": "path", "path": .string(resolved)])
        case .url(let url):
            var request = FetchRequest(url: url)
            request.maxBytes = limit
            if let seconds = context.secondsLeft {
                request.timeout = .milliseconds(Int64(max(0.1, min(seconds - 0.5, config.fetchPolicy.totalTimeout.seconds)) * 1000))
            }
            request.shouldStop = { context.isCancelled }
            let response: FetchResponse
            do {
                response = try fetcher.fetch(request)
            } catch {
                if error.code == .tooLarge {
                    throw TaskError.permanent("max_input_mb: \(url) is larger than the limit of \(limit >> 20) MB (\(error.message))")
                }
                throw TaskError(fetching: error)
            }
            guard (200..<300).contains(response.status) else {
                let retryable = response.status == 429 || response.status >= 500
                throw TaskError(retryable ? .retryable : .permanent, "http_status: \(response.finalURL) answered \(response.status)")
            }
            var report: [String: JSONValue] = ["kind": "url", "url": .string(url), "final_url": .string(response.finalURL),
                                               "status": .number(Double(response.status))]
            if let type = response.contentType { report["content_type"] = .string(type) }
            return DocumentSource(bytes: response.body, isText: false, report: report)
        }
    }

    static func checkSize(_ count: Int, limit: Int) throws {
        guard count <= limit else {
            throw TaskError.permanent("max_input_mb: the document is \(count) bytes, more than the limit of \(limit >> 20) MB")
        }
    }

    /// `path` relative to DOCUMENTS_DIR (or absolute inside it). The fully resolved path must stay
    /// inside the directory's own resolved path, so `..` and symlinks leading out are refused; the
    /// final open does not follow a symlink swapped in meanwhile, and only a regular file is read.
    static func readUnderDocumentsDirectory(_ path: String, config: DocumentsConfig) throws -> (String, [UInt8]) {
        guard let directory = config.documentsDirectory else {
            throw TaskError.invalidParams("path: reading files is off on this worker (set DOCUMENTS_DIR)")
        }
        guard let root = realPath(directory) else {
            throw TaskError.permanent("path: DOCUMENTS_DIR \(directory) does not exist")
        }
        let joined: String
        if path.hasPrefix("/") {
            guard path == directory || path.hasPrefix(directory + "/") || path.hasPrefix(root + "/") else {
                throw TaskError.invalidParams("path: \(path) is outside DOCUMENTS_DIR (\(directory))")
            }
            joined = path
        } else {
            joined = directory + "/" + path
        }
        if path.split(separator: "/").contains("..") {
            throw TaskError.invalidParams("path: '..' is not allowed (paths are relative to DOCUMENTS_DIR)")
        }
        guard let resolved = realPath(joined) else {
            throw TaskError.permanent("path: no such file under DOCUMENTS_DIR: \(path)")
        }
        guard resolved.hasPrefix(root + "/") else {
            throw TaskError.invalidParams("path: \(path) leads outside DOCUMENTS_DIR (through a symlink)")
        }
        let fd = open(resolved, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw TaskError.permanent("path: cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw TaskError.invalidParams("path: \(path) is not a regular file")
        }
        try checkSize(Int(info.st_size), limit: config.maxInputBytes)
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            offset += count
        }
        // A file that shrank while read is read as it now is.
        if offset < bytes.count { bytes.removeLast(bytes.count - offset) }
        return (resolved, bytes)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
