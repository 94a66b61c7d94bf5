import Foundation
import JSON
package import Logging
import Synchronization

/// The queue on Redis, in BullMQ's key layout (v6), so Node and Python BullMQ producers feed this
/// worker and BullMQ's own tools (`Job.fromId`, `getJobCounts`, `QueueEvents`) read its results.
///
/// Every transition is one of the project's Lua scripts (Sources/UvianHost/Queue/Redis/Lua, contracts at
/// the top of each), so it is atomic. The job id is the task id; the job's name is its task type
/// and its data the parameters.
package final class RedisJobQueue: CallbackFinishQueue {
    package let kind = "redis"
    let commands: RedisClient
    let blocking: RedisClient
    let keys: Keys
    let settings: Settings
    let logger: Logger
    let scripts: Scripts
    /// What the last fetch said about when to look again.
    private let wake = Mutex(WakeHint())
    /// Jobs the stalled check recovered since the start. (A Mutex: an Atomic stored in this class,
    /// whose init can throw, crashes Swift 6.3's release-mode ownership verifier.)
    private let stalledRecovered = Mutex(0)
    /// The events stream cap (meta `opts.maxLenEvents`) as last read, passed to the scripts so
    /// they need not read it for every job; re-read at every maintenance round.
    private let eventsCap = Mutex<Int?>(nil)

    package struct Settings: Sendable {
        /// Stalled check period (BullMQ `stalledInterval`).
        package var stalledIntervalMs = 30_000
        /// Recoveries before a stalled job fails (BullMQ `maxStalledCount`).
        package var maxStalledCount = 1
        /// Longest BZPOPMIN when no delayed job is due sooner (BullMQ `drainDelay`).
        package var drainDelaySeconds = 5.0
        /// A worker-side rate limit (BullMQ `limiter`), besides the queue-wide one in meta.
        package var limiterMax: Int?
        package var limiterDurationMs: Int?
        package init() {}
    }

    struct Keys: Sendable {
        let base: String
        init(prefix: String, queue: String) { base = "\(prefix):\(queue):" }
        func key(_ suffix: String) -> String { base + suffix }
        var wait: String { key("wait") }
        var active: String { key("active") }
        var prioritized: String { key("prioritized") }
        var delayed: String { key("delayed") }
        var completed: String { key("completed") }
        var failed: String { key("failed") }
        var events: String { key("events") }
        var stalled: String { key("stalled") }
        var stalledCheck: String { key("stalled-check") }
        var limiter: String { key("limiter") }
        var meta: String { key("meta") }
        var pc: String { key("pc") }
        var marker: String { key("marker") }
        var id: String { key("id") }
        var repeatSet: String { key("repeat") }
        var cancelSet: String { key("uvw:cancel") }
        func job(_ id: String) -> String { base + id }
    }

    struct Scripts: Sendable {
        let addJob, moveToActive, moveToFinished, moveToDelayed, retryJob, extendLocks, moveStalledJobsToWait,
            updateProgress, addLog, cancelJob, releaseJob, upsertSchedule, removeSchedule, advanceSchedule, addFlow, requeueJob,
            promoteJob, removeFinishedJob, queueOverview: RedisScript

        init() throws {
            addJob = try .load("addJob")
            moveToActive = try .load("moveToActive")
            moveToFinished = try .load("moveToFinished")
            moveToDelayed = try .load("moveToDelayed")
            retryJob = try .load("retryJob")
            extendLocks = try .load("extendLocks")
            moveStalledJobsToWait = try .load("moveStalledJobsToWait")
            updateProgress = try .load("updateProgress")
            addLog = try .load("addLog")
            cancelJob = try .load("cancelJob")
            releaseJob = try .load("releaseJob")
            upsertSchedule = try .load("upsertSchedule")
            removeSchedule = try .load("removeSchedule")
            advanceSchedule = try .load("advanceSchedule")
            addFlow = try .load("addFlow")
            requeueJob = try .load("requeueJob")
            promoteJob = try .load("promoteJob")
            removeFinishedJob = try .load("removeFinishedJob")
            queueOverview = try .load("queueOverview")
        }
    }

    struct WakeHint {
        /// Rate limited until then: sleep, do not block on markers.
        var limitedUntil: Date?
        /// The next delayed job's due time.
        var nextDue: Date?
    }

    /// `cluster`: the server is a Redis Cluster. The queue's keys must then share a hash tag (in
    /// `prefix` or `queue`, as `{bull}`), so that they live in one slot, which both clients follow.
    package init(endpoint: RedisEndpoint, prefix: String, queue: String, settings: Settings = Settings(), cluster: Bool = false,
                 logger: Logger) throws {
        self.keys = Keys(prefix: prefix, queue: queue)
        self.settings = settings
        self.logger = logger
        scripts = try Scripts()
        var slot: Int?
        if cluster {
            guard RedisCluster.hashTag(of: keys.base) != nil else {
                throw RedisError.server("Redis at \(endpoint) is a cluster, and the queue's keys (\(keys.base)…) have no {hash-tag}: "
                    + "they would spread over slots that its Lua scripts cannot reach together. Put one in QUEUE_PREFIX "
                    + "(e.g. {\(prefix)}) or in QUEUE_NAME, as BullMQ asks on a cluster.")
            }
            slot = RedisCluster.slot(of: keys.base)
        }
        commands = RedisClient(endpoint: endpoint, name: "commands", readTimeout: 5, clusterSlot: slot, logger: logger)
        // Its read timeout is raised above each block time, so a BZPOPMIN is never cut short.
        blocking = RedisClient(endpoint: endpoint, name: "blocking", readTimeout: 5, clusterSlot: slot, logger: logger)
    }

    /// Whether the server at `endpoint` is a Redis Cluster (INFO cluster).
    package static func isCluster(_ endpoint: RedisEndpoint, logger: Logger) async throws -> Bool {
        let probe = RedisClient(endpoint: endpoint, name: "probe", readTimeout: 5, logger: logger)
        let info = try await probe.send(["INFO", "cluster"]).string ?? ""
        return info.contains("cluster_enabled:1")
    }

    /// Checks the server before the worker starts: reachable and Redis ≥ 6.2.
    package func checkServer() async throws {
        let info = try await commands.send(["INFO", "server"]).string ?? ""
        let version = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("redis_version:") }
            .map { String($0.dropFirst("redis_version:".count)) } ?? "0"
        let parts = version.split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2, (parts[0], parts[1]) >= (6, 2) else {
            throw RedisError.server("Redis \(version) is too old: this worker needs Redis 6.2 or newer")
        }
    }

    // MARK: - Producing

    package func enqueue(_ job: NewJob) async throws {
        let options = job.options
        var opts = Self.bullOptions(options)
        opts["delay"] = .number(Double(options.delayMs))
        opts["jobId"] = .string(job.id)
        // BullMQ keeps unknown options as they are: the plugin generation that checked the parameters.
        if let checkedBy = job.checkedBy { opts["uvw_checked"] = .string(checkedBy) }
        _ = try await commands.evaluate(
            scripts.addJob,
            keys: [keys.wait, keys.prioritized, keys.delayed, keys.marker, keys.id, keys.events, keys.meta, keys.pc, keys.active],
            arguments: [
                keys.base, job.id, job.taskType, job.parametersJSON, JSONValue.object(opts).serialized(),
                String(Self.nowMs()), String(options.delayMs), String(options.priority), "0",
            ])
    }

    /// A job's options in BullMQ's spelling (attempts, priority, backoff; the timeout as this
    /// worker's own `uvw_timeout_s`, which BullMQ keeps as it is).
    static func bullOptions(_ options: JobOptions) -> [String: JSONValue] {
        var opts: [String: JSONValue] = ["attempts": .number(Double(options.attempts))]
        if options.priority > 0 { opts["priority"] = .number(Double(options.priority)) }
        if options.backoff.delayMs > 0 || options.backoff.kind == .exponential {
            var backoff: [String: JSONValue] = ["type": .string(options.backoff.kind.rawValue), "delay": .number(Double(options.backoff.delayMs))]
            if options.backoff.jitter > 0 { backoff["jitter"] = .number(options.backoff.jitter) }
            opts["backoff"] = .object(backoff)
        }
        if let timeout = options.timeoutSeconds { opts["uvw_timeout_s"] = .number(timeout) }
        return opts
    }

    /// BullMQ's backoff option: a number (fixed delay) or {type, delay, jitter}.
    static func backoff(in opts: JSONValue) -> Backoff {
        if let delay = opts["backoff"]?.intValue {
            return Backoff(kind: .fixed, delayMs: delay)
        } else if let spec = opts["backoff"], let type = spec["type"]?.stringValue, let kind = Backoff.Kind(rawValue: type) {
            return Backoff(kind: kind, delayMs: spec["delay"]?.intValue ?? 0, jitter: spec["jitter"]?.doubleValue ?? 0)
        }
        return .none
    }

    // MARK: - Fetching

    /// One moveToActive call leases up to `limit` jobs (one per free slot of the worker).
    package func fetch(workerId: String, excluding: Set<String>, lease: Duration, limit: Int) async throws -> [LeasedJob] {
        let token = "\(workerId):\(RandomIdentifier.leaseToken())"
        let reply = try await commands.evaluate(
            scripts.moveToActive,
            keys: [keys.wait, keys.active, keys.prioritized, keys.events, keys.stalled, keys.limiter, keys.delayed,
                   keys.meta, keys.pc, keys.marker],
            arguments: [
                keys.base, String(Self.nowMs()), token, String(Self.milliseconds(lease)),
                settings.limiterMax.map(String.init) ?? "", settings.limiterDurationMs.map(String.init) ?? "",
                String(max(limit, 1)), knownEventsCap,
            ])
        return try leasedJobs(in: reply, token: token)
    }

    /// The jobs of a moveToActive reply (also moveToFinished's with fetch-next); none leased
    /// notes when to look again.
    private func leasedJobs(in reply: RedisReply, token: String) throws -> [LeasedJob] {
        guard let items = reply.array, items.count >= 4 else { throw RedisError.server("moveToActive: unexpected reply \(reply)") }
        guard let id = items[0].string, !id.isEmpty else {
            let ttl = items[2].integer ?? 0
            let due = items[3].integer ?? 0
            wake.withLock { hint in
                hint.limitedUntil = ttl > 0 ? Date().addingTimeInterval(Double(ttl) / 1000) : nil
                hint.nextDue = due > 0 ? Date(timeIntervalSince1970: Double(due) / 1000) : nil
            }
            return []
        }
        // The jobs of one call share its lock token: each lock is its own key, so the token only
        // has to be this worker's.
        var jobs: [LeasedJob] = []
        var index = 0
        while index + 1 < items.count, let next = items[index].string {
            let hash = items[index + 1].fields
            let job = Self.leasedJob(id: next, hash: hash, token: token)
            jobs.append(job)
            if let schedule = hash["rjk"], let status = hash["uvw_schedule"] {
                followUp(schedule: schedule, run: next, status: status, opts: job.queueOptions ?? .object([:]))
            }
            index += index == 0 ? 4 : 2
        }
        return jobs
    }

    /// Reads the job hash as BullMQ wrote it: name, data, opts (attempts, backoff), atm, timestamp, defa.
    static func leasedJob(id: String, hash: [String: String], token: String) -> LeasedJob {
        let opts = (try? JSONValue.parse(hash["opts"] ?? "{}")) ?? .object([:])
        let attemptsMade = Int(hash["atm"] ?? hash["attemptsMade"] ?? "0") ?? 0
        let backoff = backoff(in: opts)
        var job = LeasedJob(
            id: id,
            taskType: hash["name"] ?? "",
            parametersJSON: hash["data"] ?? "null",
            attempt: attemptsMade + 1,
            maxAttempts: max(opts["attempts"]?.intValue ?? 0, 1),
            backoff: backoff,
            timeoutSeconds: opts["uvw_timeout_s"]?.doubleValue)
        job.token = token
        job.createdAt = hash["timestamp"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) }
        job.deferredFailure = hash["defa"]
        job.stalledCount = hash["stc"].flatMap { Int($0) } ?? 0
        // "bull:queue:id" (BullMQ's parentKey), of which the id is the last part.
        job.parentId = hash["parentKey"].flatMap { key in key.split(separator: ":").last.map(String.init) }
        job.queueOptions = opts
        job.checkedBy = opts["uvw_checked"]?.stringValue
        if let scheduleId = hash["rjk"] { job.schedule = scheduleRun(of: id, schedule: scheduleId, hash: hash, opts: opts) }
        return job
    }

    package func waitForJobs(limit: Duration) async {
        let hint = wake.withLock { $0 }
        let limitSeconds = limit.inSeconds
        if let limitedUntil = hint.limitedUntil {
            // Rate limited: sleep the limiter's TTL rather than spin or block on markers.
            try? await Task.sleep(for: .milliseconds(Int(max(min(limitedUntil.timeIntervalSinceNow, limitSeconds), 0.001) * 1000)))
            return
        }
        var timeout = min(settings.drainDelaySeconds, limitSeconds, 10)
        if let due = hint.nextDue {
            let untilDue = due.timeIntervalSinceNow
            if untilDue <= 0 { return }
            timeout = min(timeout, max(untilDue, 0.001))
        }
        do {
            let reply = try await blocking.send(["BZPOPMIN", keys.marker, String(format: "%.3f", timeout)], readTimeout: timeout + 2)
            // Marker "1" carries the next delayed due time; "0" means jobs are ready now.
            if let items = reply.array, items.count == 3, items[1].string == "1", let score = items[2].string.flatMap(Double.init),
               score > Double(Self.nowMs()) {
                wake.withLock { $0.nextDue = Date(timeIntervalSince1970: score / 1000) }
            }
        } catch {
            // Reconnects on the next call; the fetch loop fetches again meanwhile.
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    // MARK: - Leases

    package func renewLeases(_ jobs: [LeasedJob], workerId: String, lease: Duration) async throws -> LeaseRenewal {
        guard !jobs.isEmpty else { return LeaseRenewal() }
        let reply = try await commands.evaluate(
            scripts.extendLocks, keys: [keys.stalled, keys.cancelSet],
            arguments: [keys.base, String(Self.milliseconds(lease))] + jobs.flatMap { [$0.id, $0.token] })
        var renewal = LeaseRenewal()
        if let parts = reply.array, parts.count == 2 {
            renewal.lost = Set(parts[0].array?.compactMap(\.string) ?? [])
            renewal.cancelRequested = Set(parts[1].array?.compactMap(\.string) ?? [])
        }
        return renewal
    }

    package var maintenanceInterval: Duration? { .milliseconds(settings.stalledIntervalMs) }

    /// Unblocks this worker's BZPOPMIN (CLIENT UNBLOCK on its connection id), so a shutdown does
    /// not wait for the block to time out.
    package func interruptWait() async {
        guard let id = blocking.connectionID else { return }
        _ = try? await commands.send(["CLIENT", "UNBLOCK", String(id)])
    }

    package func maintain() async {
        if let reply = try? await commands.send(["HGET", keys.meta, "opts.maxLenEvents"]) {
            eventsCap.withLock { $0 = reply.string.flatMap { Int($0) } }
        }
        do {
            let recovered = try await commands.evaluate(
                scripts.moveStalledJobsToWait,
                keys: [keys.stalled, keys.wait, keys.active, keys.stalledCheck, keys.meta, keys.marker, keys.events],
                arguments: [keys.base, String(settings.maxStalledCount), String(Self.nowMs()), String(settings.stalledIntervalMs)])
            let ids = recovered.array?.compactMap(\.string) ?? []
            if !ids.isEmpty {
                stalledRecovered.withLock { $0 += ids.count }
                logger.warning("queue.stalled.recovered", metadata: ["task.ids": "\(ids.joined(separator: ","))"])
            }
        } catch {
            logger.error("queue.stalled_check.failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Finishing

    package func retry(_ job: LeasedJob, workerId: String, reason: String, delayMs: Int) async throws -> Bool {
        let stackLimit = stackTraceLimit(job)
        let reply: RedisReply
        if delayMs > 0 {
            reply = try await commands.evaluate(
                scripts.moveToDelayed,
                keys: [keys.marker, keys.active, keys.delayed, keys.job(job.id), keys.events, keys.meta, keys.stalled],
                arguments: [keys.base, job.id, job.token, String(Self.nowMs()), String(delayMs), reason, reason, stackLimit])
        } else {
            reply = try await commands.evaluate(
                scripts.retryJob,
                keys: [keys.active, keys.wait, keys.job(job.id), keys.events, keys.meta, keys.prioritized, keys.pc, keys.marker, keys.stalled],
                arguments: [keys.base, job.id, job.token, String(Self.nowMs()), reason, reason, stackLimit,
                            job.queueOptions?["lifo"]?.boolValue == true ? "1" : "0"])
        }
        return try owned(reply, job, "retry")
    }

    package func release(_ job: LeasedJob, workerId: String) async throws {
        let reply = try await commands.evaluate(
            scripts.releaseJob,
            keys: [keys.active, keys.wait, keys.job(job.id), keys.events, keys.meta, keys.marker, keys.stalled],
            arguments: [keys.base, job.id, job.token])
        _ = try owned(reply, job, "release")
    }

    package func finish(_ job: LeasedJob, workerId: String, as outcome: QueueFinish, leasingNext lease: Duration?) async throws -> QueueFinishReply {
        let call = finishCall(job, workerId: workerId, as: outcome, leasingNext: lease)
        return try reply(to: job, try await commands.evaluate(scripts.moveToFinished, keys: call.keys, arguments: call.arguments),
                         nextToken: call.nextToken)
    }

    package func finish(_ job: LeasedJob, workerId: String, as outcome: QueueFinish, leasingNext lease: Duration?,
                        completion: @escaping @Sendable (Result<QueueFinishReply, any Error>) -> Void) {
        let call = finishCall(job, workerId: workerId, as: outcome, leasingNext: lease)
        commands.evaluate(scripts.moveToFinished, keys: call.keys, arguments: call.arguments) { result in
            completion(Result { try self.reply(to: job, try result.get(), nextToken: call.nextToken) })
        }
    }

    /// moveToFinished's KEYS and ARGV for an outcome, with fetch-next's when `lease` is given.
    private func finishCall(_ job: LeasedJob, workerId: String, as outcome: QueueFinish,
                            leasingNext lease: Duration?) -> (keys: [String], arguments: [String], nextToken: String?) {
        let target: String, value: String, stackEntry: String, keep: KeepJobs
        var failedResult = ""
        switch outcome {
        case .completed(let resultJSON):
            (target, value, stackEntry, keep) = ("completed", resultJSON, "", keepJobs(job, option: "removeOnComplete"))
        case .failed(let reason, let resultJSON):
            (target, value, stackEntry, keep) = ("failed", reason, reason, keepJobs(job, option: "removeOnFail"))
            failedResult = resultJSON ?? ""
        case .cancelled(let reason):
            (target, value, stackEntry, keep) = ("failed", reason, reason, keepJobs(job, option: "removeOnFail"))
        }
        let stackLimit = target == "failed" ? stackTraceLimit(job) : ""
        var keyList = [keys.active, keys.events, keys.stalled, keys.meta, keys.key(target), keys.job(job.id), keys.wait,
                       keys.prioritized, keys.marker]
        var arguments = [
            keys.base, job.id, job.token, String(Self.nowMs()), target, value,
            String(keep.count), keep.age.map(String.init) ?? "", keep.limit.map(String.init) ?? "",
            String(job.maxAttempts), stackEntry, stackLimit, knownEventsCap, failedResult,
        ]
        var nextToken: String?
        if let lease {
            let token = "\(workerId):\(RandomIdentifier.leaseToken())"
            nextToken = token
            keyList += [keys.limiter, keys.delayed, keys.pc]
            arguments += [token, String(Self.milliseconds(lease)), settings.limiterMax.map(String.init) ?? "",
                          settings.limiterDurationMs.map(String.init) ?? ""]
        }
        return (keyList, arguments, nextToken)
    }

    /// moveToFinished's reply: a code, or with fetch-next moveToActive's reply for the next job.
    private func reply(to job: LeasedJob, _ reply: RedisReply, nextToken: String?) throws -> QueueFinishReply {
        if reply.array != nil, let nextToken {
            return QueueFinishReply(owned: true, next: try leasedJobs(in: reply, token: nextToken).first)
        }
        return QueueFinishReply(owned: try owned(reply, job, "finish"), next: nil)
    }

    /// Negative script codes: -1 the job is gone, -2/-6 another worker holds its lock, -3 it is
    /// not active. All mean this worker no longer owns it; the outcome is dropped, not retried.
    private func owned(_ reply: RedisReply, _ job: LeasedJob, _ action: String) throws -> Bool {
        guard let code = reply.integer else { return true }
        if code >= 0 { return true }
        let reasons: [Int64: String] = [-1: "the job no longer exists", -2: "its lock is missing", -3: "it is not active",
                                        -6: "another worker holds its lock"]
        logger.warning("queue.ownership.lost", metadata: [
            "task.id": "\(job.id)", "queue.action": "\(action)", "reason": "\(reasons[code] ?? "code \(code)")",
        ])
        return false
    }

    /// BullMQ's keepJobs from the job's removeOnComplete / removeOnFail option.
    struct KeepJobs {
        var count = -1
        var age: Int?
        var limit: Int?
    }

    private func keepJobs(_ job: LeasedJob, option: String) -> KeepJobs {
        switch job.queueOptions?[option] {
        case .bool(true)?: return KeepJobs(count: 0)
        case .number(let n)?: return KeepJobs(count: max(Int(n), 0))
        case .object(let fields)?:
            return KeepJobs(count: fields["count"]?.intValue ?? -1, age: fields["age"]?.intValue, limit: fields["limit"]?.intValue)
        default: return KeepJobs()
        }
    }

    private func stackTraceLimit(_ job: LeasedJob) -> String {
        job.queueOptions?["stackTraceLimit"]?.intValue.map(String.init) ?? ""
    }

    // MARK: - Cancellation, progress, logs, depth

    package func cancel(id: String) async throws -> QueueCancellation {
        let reply = try await commands.evaluate(
            scripts.cancelJob,
            keys: [keys.wait, keys.prioritized, keys.delayed, keys.active, keys.failed, keys.job(id), keys.events, keys.meta, keys.cancelSet],
            arguments: [keys.base, id, String(Self.nowMs()), "cancelled"])
        switch reply.string {
        case "removed": return .removed
        case "flagged":
            // Its lock's token begins with the holding worker's id.
            return .flagged(holder: try? await commands.send(["GET", keys.job(id) + ":lock"]).string)
        default: return .notFound
        }
    }

    package func progress(_ job: LeasedJob, fraction: Double, noteJSON: String?) async {
        // BullMQ's progress is any JSON; a number 0–100 is what its dashboards show.
        var progress = JSONValue.number((fraction * 1000).rounded() / 10)
        if let noteJSON, let note = try? JSONValue.parse(noteJSON) {
            progress = .object(["percent": progress, "note": note])
        }
        _ = try? await commands.evaluate(scripts.updateProgress, keys: [keys.job(job.id), keys.events, keys.meta],
                                         arguments: [job.id, progress.serialized()])
    }

    package func log(_ job: LeasedJob, line: String) async {
        _ = try? await commands.evaluate(scripts.addLog, keys: [keys.job(job.id), keys.job(job.id) + ":logs"], arguments: [line, String(TaskLogLine.maxPerTask)])
    }

    /// BullMQ's pause: `paused` in meta (the lease script then takes nothing) and a `paused`
    /// event; resuming clears it, says `resumed`, and marks waiting jobs ready for idle workers.
    package func setPaused(_ paused: Bool) async throws {
        // Only the call that changed it says so (every worker of a fleet may be told at once).
        if paused {
            guard try await commands.send(["HSET", keys.meta, "paused", "1"]).integer == 1 else { return }
            _ = try await commands.send(["XADD", keys.events, "*", "event", "paused"])
        } else {
            guard try await commands.send(["HDEL", keys.meta, "paused"]).integer == 1 else { return }
            _ = try await commands.send(["XADD", keys.events, "*", "event", "resumed"])
            _ = try await commands.send(["ZADD", keys.marker, "0", "0"])
        }
    }

    package var statistics: QueueStatistics {
        var statistics = QueueStatistics()
        statistics.stalledRecoveries = stalledRecovered.withLock { $0 }
        statistics.connectionErrors = commands.connectionErrors + blocking.connectionErrors
        statistics.reconnects = commands.reconnects + blocking.reconnects
        return statistics
    }

    package func isPaused() async throws -> Bool {
        try await commands.send(["HEXISTS", keys.meta, "paused"]).integer == 1
    }

    package func depth() async throws -> (waiting: Int, active: Int) {
        let wait = try await commands.send(["LLEN", keys.wait]).integer ?? 0
        let prioritized = try await commands.send(["ZCARD", keys.prioritized]).integer ?? 0
        let delayed = try await commands.send(["ZCARD", keys.delayed]).integer ?? 0
        let active = try await commands.send(["LLEN", keys.active]).integer ?? 0
        return (Int(wait + prioritized + delayed), Int(active))
    }

    /// Publishes a task event on the pub/sub channel other services listen to, without waiting:
    /// `done` gets the outcome (nil: published) on the connection's thread.
    package func publish(channel: String, message: String, done: @escaping @Sendable ((any Error)?) -> Void) {
        commands.send(["PUBLISH", channel, message], done: done)
    }

    /// The cap for a script's ARGV: '' until it has been read (the script then reads meta).
    var knownEventsCap: String { eventsCap.withLock { $0 }.map(String.init) ?? "" }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
