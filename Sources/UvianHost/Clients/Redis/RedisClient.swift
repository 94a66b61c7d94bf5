import Foundation
package import Logging
import Synchronization

/// A Redis connection used from async code: commands run on a dedicated thread (hiredis blocks),
/// and a lost connection is re-made on the next command, with backoff.
///
/// Commands that callers send while the thread is busy are pipelined: written together, then
/// their replies read in order, so fifty jobs finishing at once cost one write and one read
/// instead of fifty round trips. Each caller still gets its own reply.
///
/// Two of these serve a worker: one for scripts and commands, one only for the blocking
/// `BZPOPMIN`, so a blocked socket never delays a lock renewal.
package final class RedisClient: Sendable {
    package let endpoint: RedisEndpoint
    private let executor: BlockingExecutor
    private let pipeline: BatchQueue<Request>
    private let state: ConnectionState

    /// The server's id of the current connection (CLIENT ID), for CLIENT UNBLOCK.
    package var connectionID: Int64? { state.clientID.withLock { $0 } }

    /// Connections lost or refused, and connections made again after that, since the start (the metrics).
    package var connectionErrors: Int { state.errors.load(ordering: .relaxed) }
    package var reconnects: Int { state.reconnects.load(ordering: .relaxed) }

    /// A command waiting for the thread.
    struct Request: Sendable {
        enum Body: Sendable {
            case command([String])
            /// EVALSHA of a script, loaded first when Redis does not know it.
            case script(RedisScript, keys: [String], arguments: [String])
        }
        let body: Body
        /// A reply timeout for this command alone (the blocking BZPOPMIN waits longer).
        let readTimeout: Double?
        let finish: @Sendable (Result<RedisReply, RedisError>) -> Void
    }

    /// `clusterSlot`: on Redis Cluster, the slot of every key this client touches (they share a
    /// hash tag): its commands go to that slot's master, found with `CLUSTER SLOTS` from
    /// `endpoint` (any node), followed through `MOVED` and `ASK`, and found again when its node
    /// is lost (a failover).
    package init(endpoint: RedisEndpoint, name: String, readTimeout: Double = 5, clusterSlot: Int? = nil, logger: Logger) {
        self.endpoint = endpoint
        let executor = BlockingExecutor(threads: 1, name: "redis-\(name)")
        self.executor = executor
        let state = ConnectionState(endpoint: endpoint, name: name, readTimeout: readTimeout, clusterSlot: clusterSlot, logger: logger)
        self.state = state
        pipeline = BatchQueue(executor: executor) { requests in state.run(requests) }
    }

    deinit {
        executor.shutdown()
    }

    /// Runs one command. Throws `RedisError` for a lost connection (re-made on the next call)
    /// and for an error reply.
    package func send(_ arguments: [String], readTimeout: Double? = nil) async throws -> RedisReply {
        try await perform(.command(arguments), readTimeout: readTimeout)
    }

    /// Sends one command without waiting for its reply: `done` gets nil when Redis answered
    /// with anything but an error. Pipelined with the other commands like `send`.
    package func send(_ arguments: [String], done: @escaping @Sendable ((any Error)?) -> Void) {
        enqueue(.command(arguments), readTimeout: nil) { result in
            if case .failure(let error) = result { done(error) } else { done(nil) }
        }
    }

    /// Runs a script by its SHA, loading it first when Redis does not know it (a new server, a
    /// restart, SCRIPT FLUSH).
    func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisReply {
        try await perform(.script(script, keys: keys, arguments: arguments), readTimeout: nil)
    }

    /// Runs a script without a task to resume: `done` gets the reply (an error reply as a
    /// failure) on the client's thread.
    func evaluate(_ script: RedisScript, keys: [String], arguments: [String], done: @escaping @Sendable (Result<RedisReply, RedisError>) -> Void) {
        enqueue(.script(script, keys: keys, arguments: arguments), readTimeout: nil, done: done)
    }

    private func perform(_ body: Request.Body, readTimeout: Double?) async throws -> RedisReply {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RedisReply, any Error>) in
            enqueue(body, readTimeout: readTimeout) { continuation.resume(with: $0.mapError { $0 }) }
        }
    }

    /// Adds a request to the pipeline; `done` gets its reply on the client's thread, an error
    /// reply as a failure.
    private func enqueue(_ body: Request.Body, readTimeout: Double?, done: @escaping @Sendable (Result<RedisReply, RedisError>) -> Void) {
        pipeline.add(Request(body: body, readTimeout: readTimeout) { result in
            if case .success(let reply) = result, let failure = Self.failure(of: reply, for: body) {
                done(.failure(failure))
            } else {
                done(result)
            }
        })
    }

    /// An error reply as the error it is (naming the script that failed), or nil.
    private static func failure(of reply: RedisReply, for body: Request.Body) -> RedisError? {
        guard case .error(let message) = reply else { return nil }
        if case .script(let script, _, _) = body { return .server("\(script.name): \(message)") }
        return .server(message)
    }
}

/// The connection and what is known about it. Everything but `clientID` is touched only on the
/// client's thread.
private final class ConnectionState: @unchecked Sendable {
    let endpoint: RedisEndpoint
    let name: String
    let readTimeout: Double
    let logger: Logger
    let clientID = Mutex<Int64?>(nil)
    let errors = Atomic<Int>(0)
    let reconnects = Atomic<Int>(0)
    let clusterSlot: Int?
    private var connection: RedisConnection?
    private var failures = 0
    private var nextAttempt = Date.distantPast
    private var scriptSHAs: [String: String] = [:]
    /// The node commands go to: `endpoint`, or on a cluster the master of `clusterSlot`.
    private var target: RedisEndpoint
    /// Whether `target` is known to serve the slot (else it is looked up before connecting).
    private var discovered = false
    /// The cluster's nodes as the last `CLUSTER SLOTS` listed them: where to ask after a failover.
    private var knownNodes: [RedisEndpoint] = []

    init(endpoint: RedisEndpoint, name: String, readTimeout: Double, clusterSlot: Int?, logger: Logger) {
        self.endpoint = endpoint
        self.name = name
        self.readTimeout = readTimeout
        self.clusterSlot = clusterSlot
        self.logger = logger
        target = endpoint
    }

    /// Sends a batch of requests: those with a timeout of their own one by one, the rest as one
    /// pipeline. Every request is finished exactly once.
    func run(_ requests: [RedisClient.Request]) {
        var pipelined: [RedisClient.Request] = []
        for request in requests {
            if request.readTimeout == nil { pipelined.append(request) } else { runAlone(request) }
        }
        guard !pipelined.isEmpty else { return }
        var replies: [RedisReply] = []
        do {
            try withConnection { connection in
                // Scripts Redis has not seen from this client are loaded before the pipeline.
                for request in pipelined {
                    if case .script(let script, _, _) = request.body, scriptSHAs[script.name] == nil { try load(script, connection) }
                }
                for request in pipelined { try connection.append(arguments(of: request)) }
                for _ in pipelined { replies.append(try connection.nextReply()) }
                // A script flushed from Redis (a restart, SCRIPT FLUSH): load it again and resend.
                for (index, request) in pipelined.enumerated() {
                    guard case .error(let message) = replies[index], message.hasPrefix("NOSCRIPT"),
                          case .script(let script, _, _) = request.body else { continue }
                    try load(script, connection)
                    replies[index] = try connection.command(arguments(of: request))
                }
            }
        } catch {
            let failure = error as? RedisError ?? .connection("\(error)")
            for request in pipelined.dropFirst(replies.count) { request.finish(.failure(failure)) }
            pipelined.removeLast(pipelined.count - replies.count)
        }
        // On a cluster, a reply may send the command elsewhere (a failover, a slot moved).
        if clusterSlot != nil {
            for (index, request) in pipelined.enumerated() {
                guard let redirect = RedisCluster.redirect(in: replies[index]) else { continue }
                do {
                    replies[index] = try follow(redirect, request)
                } catch {
                    replies[index] = .error("\(error)")
                }
            }
        }
        for (request, reply) in zip(pipelined, replies) { request.finish(.success(reply)) }
    }

    /// Sends `request` where a redirection says: the slot's new master (`MOVED`, which becomes the
    /// target), or once to the node importing the slot (`ASK`, after `ASKING`).
    private func follow(_ redirect: RedisCluster.Redirect, _ request: RedisClient.Request, hops: Int = 0) throws -> RedisReply {
        let node = endpoint.at(host: redirect.host, port: redirect.port)
        let reply: RedisReply
        if redirect.ask {
            let once = try RedisConnection(endpoint: node, readTimeout: request.readTimeout ?? readTimeout)
            if case .script(let script, _, _) = request.body { _ = try once.command(["SCRIPT", "LOAD", script.source]) }
            _ = try once.command(["ASKING"])
            reply = try once.command(arguments(of: request))
        } else {
            if node != target {
                logger.notice("redis.cluster.moved", metadata: ["redis.connection": "\(name)", "redis.node": "\(node)"])
                target = node
                connection = nil
                scriptSHAs.removeAll()
            }
            discovered = true
            reply = try withConnection { connection in
                if case .script(let script, _, _) = request.body, scriptSHAs[script.name] == nil { try load(script, connection) }
                if let timeout = request.readTimeout { connection.setReadTimeout(timeout) }
                defer { connection.setReadTimeout(readTimeout) }
                return try connection.command(arguments(of: request))
            }
        }
        if let next = RedisCluster.redirect(in: reply), hops < 5 { return try follow(next, request, hops: hops + 1) }
        return reply
    }

    /// A connection to the target; on a cluster whose target is gone (a failover), to the node
    /// the cluster says serves the slot now.
    private func connectToTarget() throws -> RedisConnection {
        guard clusterSlot != nil else { return try RedisConnection(endpoint: target, readTimeout: readTimeout) }
        if let fresh = try? RedisConnection(endpoint: target, readTimeout: readTimeout) { return fresh }
        discovered = false
        try discover()
        return try RedisConnection(endpoint: target, readTimeout: readTimeout)
    }

    /// Finds the master of the slot with `CLUSTER SLOTS`, asking the nodes known in turn.
    private func discover() throws {
        guard let slot = clusterSlot else { return }
        var candidates = [target, endpoint] + knownNodes
        var seen = Set<String>()
        candidates = candidates.filter { seen.insert("\($0.host):\($0.port)").inserted }
        for candidate in candidates {
            guard let probe = try? RedisConnection(endpoint: candidate, connectTimeout: 1, readTimeout: 2),
                  let reply = try? probe.command(["CLUSTER", "SLOTS"]) else { continue }
            let found = RedisCluster.master(of: slot, in: reply)
            if !found.nodes.isEmpty { knownNodes = found.nodes.map { endpoint.at(host: $0.host, port: $0.port) } }
            guard let master = found.master else { continue }
            let node = endpoint.at(host: master.host, port: master.port)
            if node != target { scriptSHAs.removeAll() }
            target = node
            discovered = true
            return
        }
        throw RedisError.connection("no node of the Redis Cluster at \(endpoint) names a master for slot \(slot)")
    }

    private func runAlone(_ request: RedisClient.Request) {
        do {
            var reply = try withConnection { connection in
                if let timeout = request.readTimeout { connection.setReadTimeout(timeout) }
                defer { connection.setReadTimeout(readTimeout) }
                return try connection.command(arguments(of: request))
            }
            if clusterSlot != nil, let redirect = RedisCluster.redirect(in: reply) { reply = try follow(redirect, request) }
            request.finish(.success(reply))
        } catch {
            request.finish(.failure(error as? RedisError ?? .connection("\(error)")))
        }
    }

    private func arguments(of request: RedisClient.Request) -> [String] {
        switch request.body {
        case .command(let arguments): return arguments
        case .script(let script, let keys, let arguments):
            return ["EVALSHA", scriptSHAs[script.name] ?? "", String(keys.count)] + keys + arguments
        }
    }

    /// SCRIPT LOAD, remembering the SHA that EVALSHA names it by.
    private func load(_ script: RedisScript, _ connection: RedisConnection) throws {
        let reply = try connection.command(["SCRIPT", "LOAD", script.source])
        guard case .string(let sha) = reply else {
            throw RedisError.server("cannot load script \(script.name): \(reply)")
        }
        scriptSHAs[script.name] = sha
    }

    /// Connects if needed, then runs `body`; on a connection error drops the connection so the
    /// next call reconnects (after a backoff that grows with consecutive failures).
    private func withConnection<T>(_ body: (RedisConnection) throws -> T) throws -> T {
        if connection == nil {
            guard Date() >= nextAttempt else {
                throw RedisError.connection("Redis at \(endpoint) is unreachable; retrying in \(String(format: "%.1f", nextAttempt.timeIntervalSinceNow)) s")
            }
            do {
                if clusterSlot != nil, !discovered { try discover() }
                let fresh = try connectToTarget()
                connection = fresh
                let id = try? fresh.command(["CLIENT", "ID"]).integer
                clientID.withLock { $0 = id }
                if failures > 0 {
                    reconnects.add(1, ordering: .relaxed)
                    logger.notice("redis.reconnected", metadata: ["redis.connection": "\(name)"])
                }
                failures = 0
            } catch {
                failures += 1
                errors.add(1, ordering: .relaxed)
                nextAttempt = Date().addingTimeInterval(min(0.1 * Double(1 << min(failures, 6)), 5))
                logger.warning("redis.connect.failed", metadata: ["redis.connection": "\(name)", "error": "\(error)"])
                throw error
            }
        }
        do {
            return try body(connection!)
        } catch let error as RedisError where error.kind == .connection {
            connection = nil
            // On a cluster the node may have lost the slot with it: looked up again.
            discovered = false
            failures += 1
            errors.add(1, ordering: .relaxed)
            logger.warning("redis.connection.lost", metadata: ["redis.connection": "\(name)", "error": "\(error)"])
            throw error
        }
    }
}
