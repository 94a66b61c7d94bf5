/// What a run may reach over the network.
public enum SandboxNetwork: Sendable, Equatable {
    /// A private network namespace (its own loopback only) and no socket of any family but
    /// AF_UNIX (socket() fails with EACCES). The default.
    case none
    /// A private network namespace, but IP sockets allowed: the run can talk to itself on its own
    /// 127.0.0.1, and reach the outside only through what the caller bound into it (a unix socket
    /// to a filtering proxy, relayed to a loopback port inside). Nothing on the host is reachable.
    case privateLoopback
    /// The host's network namespace and every socket family: for trusted commands only.
    case host

    /// The launcher leaves socket() unfiltered.
    var allowsIPSockets: Bool { self != .none }
}
