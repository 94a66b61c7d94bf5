import CProcessSpawn
import CSandboxSupport
import Glibc

/// One spawned launcher (then bwrap) and the pipes to it: started with posix_spawn in its own
/// process group, never fork() in the threaded worker.
final class ChildRun {
    let pid: pid_t
    let startedMs: Int64
    private var stdoutFD: Int32
    private var stderrFD: Int32
    private var stdinFD: Int32
    private let statusFD: Int32
    /// The read end of the message channel, or -1.
    private var messageFD: Int32
    private var messageLine = MessageLines()
    private let pidFD: Int32
    private let stdinBytes: [UInt8]
    private var stdinOffset = 0
    /// Everything read so far from the launcher's status channel.
    private var statusText: [UInt8] = []
    /// bwrap's pid, which leads the process group a timeout kills, once the launcher said it.
    private var bwrapPid: pid_t?

    private init(pid: pid_t, startedMs: Int64, stdoutFD: Int32, stderrFD: Int32, stdinFD: Int32, statusFD: Int32,
                 messageFD: Int32, stdinBytes: [UInt8]) {
        self.pid = pid
        self.startedMs = startedMs
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.stdinFD = stdinFD
        self.statusFD = statusFD
        self.messageFD = messageFD
        self.stdinBytes = stdinBytes
        self.pidFD = uvw_pidfd_open(pid)
    }

    deinit {
        for fd in [stdoutFD, stderrFD, stdinFD, statusFD, messageFD, pidFD] where fd >= 0 { close(fd) }
    }

    /// A write to a child that died must fail with EPIPE, not kill the worker.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    static func start(argv: [String], stdin: [UInt8]?, messageChannel: Bool) throws(SandboxError) -> ChildRun {
        Self.ignoreSIGPIPE
        // [read, write] pairs, close-on-exec from birth so no other child of the worker inherits them.
        var pipes: [[Int32]] = []
        for _ in 0..<(3 + (stdin == nil ? 0 : 1) + (messageChannel ? 1 : 0)) {
            var pair: [Int32] = [-1, -1]
            guard uvw_pipe_cloexec(&pair) == 0 else {
                let text = SystemCalls.errorText()
                pipes.joined().forEach { close($0) }
                throw .system("pipe: \(text)")
            }
            pipes.append(pair)
        }
        let (out, err, status) = (pipes[0], pipes[1], pipes[2])
        let input = stdin == nil ? nil : pipes[3]
        let message = messageChannel ? pipes[pipes.count - 1] : nil

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input { posix_spawn_file_actions_adddup2(&actions, input[0], 0) }
        else { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        // The launcher's status channel (it marks it close-on-exec, so bwrap and the job never get it).
        posix_spawn_file_actions_adddup2(&actions, status[1], 3)
        // The message channel: inherited through the launcher and bwrap by the command (dup2 clears
        // close-on-exec on the copy).
        if let message { posix_spawn_file_actions_adddup2(&actions, message[1], SandboxSpec.messageFD) }
        uvw_spawn_closefrom(&actions, message == nil ? 4 : SandboxSpec.messageFD + 1)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (kill(-pid) reaches the launcher/bwrap), no blocked signals, and default
        // dispositions: the worker ignores SIGPIPE, and an ignored signal would stay ignored in the job.
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number: Int32 in 1..<32 where number != SIGKILL && number != SIGSTOP { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let startedMs = SystemCalls.monotonicMs()
        // An empty environment: bwrap's --clearenv would drop it anyway, but the launcher gets none either.
        let spawned = SystemCalls.withCStrings(argv) { argvPointers in
            SystemCalls.withCStrings([]) { envp in posix_spawn(&pid, argv[0], &actions, &attributes, argvPointers, envp) }
        }
        for pair in pipes { close(pair[pair[0] == input?[0] ? 0 : 1]) }
        guard spawned == 0 else {
            for pair in pipes { close(pair[pair[0] == input?[0] ? 1 : 0]) }
            throw .system("cannot start \(argv[0]): \(SystemCalls.errorText(spawned))")
        }
        let readEnds = [out[0], err[0], status[0]] + (message.map { [$0[0]] } ?? [])  // all non-blocking: the loop polls them
        for fd in readEnds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        if let input { _ = fcntl(input[1], F_SETFL, fcntl(input[1], F_GETFL) | O_NONBLOCK) }
        return ChildRun(pid: pid, startedMs: startedMs, stdoutFD: out[0], stderrFD: err[0], stdinFD: input?[1] ?? -1,
                        statusFD: status[0], messageFD: message?[0] ?? -1, stdinBytes: stdin ?? [])
    }

    /// What the launcher wrote on its status channel (read after it ended): a launch failure, or
    /// the rusage of every process of the run.
    struct LauncherStatus {
        var error: String?
        var cpuMs: Int?
        var peakMemoryKB: Int?
    }

    func launcherStatus() -> LauncherStatus {
        readStatus()
        var status = LauncherStatus()
        for line in String(decoding: statusText, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("error: ") {
                status.error = String(line.dropFirst(7))
            } else if line.hasPrefix("rusage: ") {
                let numbers = line.dropFirst(8).split(separator: " ").compactMap { Int($0) }
                if numbers.count == 3 {
                    status.cpuMs = (numbers[0] + numbers[1]) / 1000
                    status.peakMemoryKB = numbers[2]
                }
            }
        }
        return status
    }

    /// Reads what the launcher has written (the fd is non-blocking), and notes bwrap's pid.
    private func readStatus() {
        var chunk = [UInt8](repeating: 0, count: 1024)
        while statusText.count < 8192 {
            let count = chunk.withUnsafeMutableBytes { read(statusFD, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            statusText.append(contentsOf: chunk[0..<count])
        }
        if bwrapPid == nil {
            let text = String(decoding: statusText, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("bwrap-pid: ") }),
               let pid = pid_t(line.dropFirst(11)), pid > 1 {
                bwrapPid = pid
            }
        }
    }

    /// Reads output until the run has ended and both pipes are closed; kills the process group
    /// on the wall-clock limit or cancellation. Output past a cap is read and thrown away, so the
    /// job never blocks on a full pipe and memory stays bounded.
    func pump(limits: SandboxLimits, cancelled: () -> Bool, onMessage: ([UInt8]) -> Void) -> SandboxResult {
        var stdout = CappedBuffer(cap: limits.outputBytes)
        var stderr = CappedBuffer(cap: limits.outputBytes)
        var firstOutputMs: Int?
        let deadline = limits.wallSeconds.map { startedMs + Int64($0 * 1000) }
        var status: Int32 = 0
        var exited = false
        var exitedAtMs: Int64 = 0
        var timedOut = false
        var wasCancelled = false
        var killedAtMs: Int64?
        var chunk = [UInt8](repeating: 0, count: 65536)

        if stdinFD >= 0 && stdinBytes.isEmpty { close(stdinFD); stdinFD = -1 }
        while true {
            if !exited {
                let waited = waitpid(pid, &status, WNOHANG)
                if waited == pid { exited = true; exitedAtMs = SystemCalls.monotonicMs() }
            }
            let now = SystemCalls.monotonicMs()
            if exited && stdoutFD < 0 && stderrFD < 0 && messageFD < 0 { break }
            // Pipes still open 2 s after bwrap ended: something outside the namespace holds them
            // (should not happen); stop waiting, the slot reaper kills it.
            if exited && now - exitedAtMs > 2000 { break }
            if !exited && !timedOut && !wasCancelled {
                if let deadline, now >= deadline { timedOut = true; killedAtMs = now; killRun() }
                else if cancelled() { wasCancelled = true; killedAtMs = now; killRun() }
            }
            // The launcher reaps and reports right after its bwrap group died; if it does not, it goes too.
            if !exited, let killedAtMs, now - killedAtMs > 2000 { killGroup() }
            var polled: [pollfd] = []
            for fd in [stdoutFD, stderrFD] where fd >= 0 { polled.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            if stdinFD >= 0 { polled.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            if messageFD >= 0 { polled.append(pollfd(fd: messageFD, events: Int16(POLLIN), revents: 0)) }
            if !exited && pidFD >= 0 { polled.append(pollfd(fd: pidFD, events: Int16(POLLIN), revents: 0)) }
            if bwrapPid == nil { polled.append(pollfd(fd: statusFD, events: Int16(POLLIN), revents: 0)) }
            var wait: Int64 = 50
            if let deadline, !exited, !timedOut { wait = max(0, min(wait, deadline - now)) }
            // Without a pidfd (old kernel) poll wait4 more often once the pipes are closed.
            if !exited && pidFD < 0 && stdoutFD < 0 && stderrFD < 0 { wait = min(wait, 2) }
            let ready = poll(&polled, nfds_t(polled.count), Int32(wait))
            if ready < 0 && errno != EINTR { break }
            for entry in polled where entry.revents != 0 {
                if entry.fd == stdoutFD {
                    if drain(&stdoutFD, into: &stdout, chunk: &chunk), firstOutputMs == nil, stdout.total > 0 {
                        firstOutputMs = Int(SystemCalls.monotonicMs() - startedMs)
                    }
                } else if entry.fd == stderrFD {
                    _ = drain(&stderrFD, into: &stderr, chunk: &chunk)
                } else if entry.fd == messageFD {
                    drainMessages(chunk: &chunk, onMessage: onMessage)
                } else if entry.fd == stdinFD {
                    feedStdin()
                } else if entry.fd == statusFD {
                    readStatus()
                }
            }
        }
        if !exited {
            killGroup()
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        var exitCode: Int32?
        var signal: Int32?
        if (status & 0x7f) == 0 {
            let code = (status >> 8) & 0xff
            // bwrap reports a command killed by signal N as status 128+N.
            if code > 128 && code < 128 + 65 { signal = code - 128 } else { exitCode = code }
        } else {
            signal = status & 0x7f
        }
        return SandboxResult(exitCode: exitCode, signal: signal, timedOut: timedOut, cancelled: wasCancelled,
                             stdout: stdout.bytes, stderr: stderr.bytes,
                             stdoutTruncated: stdout.truncated, stderrTruncated: stderr.truncated,
                             durationMs: Int(SystemCalls.monotonicMs() - startedMs), firstOutputMs: firstOutputMs,
                             // Filled in from the launcher's report (see Sandbox.run).
                             peakMemoryKB: 0, cpuMs: 0)
    }

    /// SIGKILL to bwrap's process group: bwrap's own child (PID 1 of the namespace) dies of
    /// --die-with-parent, and the kernel then kills everything else in the PID namespace. The
    /// launcher survives to reap them and report the run's CPU time and peak memory. Before bwrap's
    /// pid is known, the launcher's group goes (bwrap dies with the launcher).
    private func killRun() {
        readStatus()
        if let bwrapPid { kill(-bwrapPid, SIGKILL) } else { killGroup() }
    }

    /// SIGKILL to the launcher's process group.
    private func killGroup() {
        kill(-pid, SIGKILL)
    }

    /// Reads what is available; closes and marks the descriptor at end of file. True when bytes came.
    private func drain(_ fd: inout Int32, into buffer: inout CappedBuffer, chunk: inout [UInt8]) -> Bool {
        Self.readAvailable(&fd, chunk: &chunk) { buffer.append($0) }
    }

    /// Reads what the message channel has and hands over every complete line.
    private func drainMessages(chunk: inout [UInt8], onMessage: ([UInt8]) -> Void) {
        Self.readAvailable(&messageFD, chunk: &chunk) { messageLine.append($0, onLine: onMessage) }
    }

    /// Hands each chunk of what a non-blocking descriptor has to `consume`, until it would block;
    /// at end of file (or an error) closes it and sets it to -1. True when bytes came.
    @discardableResult
    private static func readAvailable(_ fd: inout Int32, chunk: inout [UInt8], _ consume: (ArraySlice<UInt8>) -> Void) -> Bool {
        var got = false
        while fd >= 0 {
            let descriptor = fd
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                consume(chunk[0..<count])
                got = true
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && errno == EAGAIN {
                break
            } else {
                close(fd)
                fd = -1
            }
        }
        return got
    }

    private func feedStdin() {
        while stdinOffset < stdinBytes.count {
            let written = stdinBytes.withUnsafeBytes { write(stdinFD, $0.baseAddress! + stdinOffset, $0.count - stdinOffset) }
            if written > 0 { stdinOffset += written; continue }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && errno == EAGAIN { return }
            break  // EPIPE: the job closed its stdin
        }
        close(stdinFD)
        stdinFD = -1
    }
}

/// Keeps the first `cap` bytes and counts the rest.
struct CappedBuffer {
    let cap: Int
    private(set) var bytes: [UInt8] = []
    private(set) var total = 0
    var truncated: Bool { total > bytes.count }

    init(cap: Int) { self.cap = cap }

    mutating func append(_ chunk: ArraySlice<UInt8>) {
        total += chunk.count
        let room = cap - bytes.count
        if room > 0 { bytes.append(contentsOf: chunk.prefix(room)) }
    }
}


/// Splits the message channel into lines; a line longer than `limit` is dropped whole (the
/// channel is for short reports, and memory must stay bounded whatever the job writes).
struct MessageLines {
    static let limit = 65536
    private var pending: [UInt8] = []
    private var overlong = false

    mutating func append(_ chunk: ArraySlice<UInt8>, onLine: ([UInt8]) -> Void) {
        var rest = chunk
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            if !overlong && pending.count + (newline - rest.startIndex) <= Self.limit {
                pending.append(contentsOf: rest[rest.startIndex..<newline])
                onLine(pending)
            }
            pending.removeAll(keepingCapacity: true)
            overlong = false
            rest = rest[(newline + 1)...]
        }
        if overlong { return }
        if pending.count + rest.count > Self.limit {
            pending.removeAll(keepingCapacity: true)
            overlong = true
        } else {
            pending.append(contentsOf: rest)
        }
    }
}
