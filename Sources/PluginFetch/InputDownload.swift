public import GuardedFetch
public import PluginKit

/// A task's input named by URL (a document, an image): fetched through the guarded fetcher within
/// the plugin's size limit and the task's deadline, a non-2xx answer failing the task.
public enum InputDownload {
    /// - Parameters:
    ///   - maxSeconds: the plugin's own cap; the task's deadline (less half a second) bounds it too.
    ///   - limitKey: the plugins.yaml key of `maxBytes`, named when the body is larger.
    public static func fetch(_ url: String, with fetcher: Fetcher, maxBytes: Int, limitKey: String, maxSeconds: Double,
                             context: TaskContext) throws -> FetchResponse {
        var request = FetchRequest(url: url)
        request.maxBytes = maxBytes
        let seconds = context.secondsLeft.map { min($0 - 0.5, maxSeconds) } ?? maxSeconds
        request.timeout = .milliseconds(Int64(max(0.1, seconds) * 1000))
        request.shouldStop = { context.isCancelled }
        let response: FetchResponse
        do {
            response = try fetcher.fetch(request)
        } catch {
            if error.code == .tooLarge {
                throw TaskError.permanent("\(limitKey): \(url) is larger than the limit of \(maxBytes >> 20) MB (\(error.message))")
            }
            throw TaskError(fetching: error)
        }
        guard (200..<300).contains(response.status) else {
            let retryable = response.status == 429 || response.status >= 500
            throw TaskError(retryable ? .retryable : .permanent, "http_status: \(response.finalURL) answered \(response.status)")
        }
        return response
    }

    /// Where a downloaded input came from, for a task's result: the URL asked for, the final one after
    /// redirects, the status and the content type.
    public static func report(of response: FetchResponse, url: String) -> [String: JSONValue] {
        var report: [String: JSONValue] = ["kind": "url", "url": .string(url), "final_url": .string(response.finalURL),
                                           "status": .number(Double(response.status))]
        if let type = response.contentType { report["content_type"] = .string(type) }
        return report
    }
}

extension Duration {
    /// As a fraction of seconds (fetch timeouts and elapsed times in plugins' results).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
