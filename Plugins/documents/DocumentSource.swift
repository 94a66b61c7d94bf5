import GuardedFetch
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
            let file = ConfinedFile(directory: config.documentsDirectory, variable: "DOCUMENTS_DIR", parameter: "path",
                                    maxBytes: limit, limitKey: "max_input_mb")
            let (resolved, bytes) = try file.read(path)
            return DocumentSource(bytes: bytes, isText: false, report: ["kind": "path", "path": .string(resolved)])
        case .url(let url):
            let response = try InputDownload.fetch(url, with: fetcher, maxBytes: limit, limitKey: "max_input_mb",
                                                   maxSeconds: config.fetchPolicy.totalTimeout.seconds, context: context)
            return DocumentSource(bytes: response.body, isText: false, report: InputDownload.report(of: response, url: url))
        }
    }

    static func checkSize(_ count: Int, limit: Int) throws {
        guard count <= limit else {
            throw TaskError.permanent("max_input_mb: the document is \(count) bytes, more than the limit of \(limit >> 20) MB")
        }
    }
}
