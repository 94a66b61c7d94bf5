/// What a run's scripts did through the proxy, for the task's result.
public struct EgressReport: Sendable, Equatable {
    /// Upstream connections made.
    public var connections = 0
    /// Requests refused, as "host:port: reason" (the first 20).
    public var refused: [String] = []
    public var bytesSent = 0
    public var bytesReceived = 0

    public init() {}
}
