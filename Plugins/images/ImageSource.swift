import GuardedFetch
import PluginFetch
import PluginKit

/// An image's bytes and where they came from (reported in the result's `input`).
struct ImageSource {
    var bytes: [UInt8]
    var report: [String: JSONValue]

    /// Reads the task's source under `max_input_mb`. Blocking (file reads, the fetch).
    static func load(_ origin: ImageOrigin, config: ImagesConfig, fetcher: Fetcher, context: TaskContext) throws -> ImageSource {
        let limit = config.limits.maxInputBytes
        switch origin {
        case .content(let bytes):
            guard bytes.count <= limit else {
                throw TaskError.permanent("too_large: content is \(bytes.count) bytes, more than max_input_mb (\(limit >> 20) MB)")
            }
            return ImageSource(bytes: bytes, report: ["kind": "content"])
        case .path(let path):
            let (resolved, bytes) = try confined(config, parameter: "image_path").read(path)
            return ImageSource(bytes: bytes, report: ["kind": "image_path", "path": .string(resolved)])
        case .url(let url):
            let response = try InputDownload.fetch(url, with: fetcher, maxBytes: limit, limitKey: "max_input_mb",
                                                   maxSeconds: config.fetchPolicy.totalTimeout.seconds, context: context)
            return ImageSource(bytes: response.body, report: InputDownload.report(of: response, url: url))
        }
    }

    /// A composite's overlay: a file under IMAGES_DIR or bytes in the task.
    static func overlay(_ source: OverlaySource, config: ImagesConfig, place: String) throws -> [UInt8] {
        switch source {
        case .content(let bytes): return bytes
        case .path(let path): return try confined(config, parameter: place).read(path).bytes
        }
    }

    private static func confined(_ config: ImagesConfig, parameter: String) -> ConfinedFile {
        ConfinedFile(directory: config.imagesDirectory, variable: "IMAGES_DIR", parameter: parameter,
                     maxBytes: config.limits.maxInputBytes, limitKey: "max_input_mb")
    }
}
