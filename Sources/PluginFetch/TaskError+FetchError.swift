import GuardedFetch
public import PluginKit

extension TaskError {
    /// A fetch failure as a task's error: the fetcher's code and a colon first, retried when
    /// another try may do better (timeouts, connection failures, 429 and 5xx answers).
    public init(fetching error: any Error) {
        guard let error = error as? FetchError else {
            self.init(.internal, "\(error)")
            return
        }
        switch error.code {
        case .timeout: self.init(.timeout, error.description)
        case .connectionFailed: self.init(.retryable, error.description)
        case .cancelled: self.init(.cancelled, error.description)
        case .invalidURL: self.init(.invalidParams, error.description)
        case .httpStatus, .blockedBySite:
            let status = error.status ?? 0
            self.init(status == 429 || status >= 500 ? .retryable : .permanent, error.description)
        default: self.init(.permanent, error.description)
        }
    }
}
