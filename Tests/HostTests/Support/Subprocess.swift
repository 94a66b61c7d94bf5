import Foundation

/// Runs a command to completion and captures its output.
enum Subprocess {
    struct Result: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs the command on a thread of its own: waiting for a child that takes seconds (a worker
    /// binary, psql) must not hold one of the few threads of Swift's cooperative pool, which the
    /// tests running alongside need for their own timers and tasks.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result { try runBlocking(executable, arguments, environment: environment) })
            }.start()
        }
    }

    struct SpawnError: Error, CustomStringConvertible {
        let executable: String
        let code: Int32
        var description: String { "could not start \(executable): \(String(cString: strerror(code)))" }
    }

    /// Blocks the calling thread until the command exits: for short commands (a C compiler run)
    /// from synchronous code. `posix_spawn` and `waitpid`, not Foundation's `Process`, whose
    /// `waitUntilExit` learns of the exit through a dispatch thread: called from the cooperative
    /// pool (which dispatch's threads also serve) while the pool's other threads are blocked
    /// too, it never learns it. Output goes to files, not pipes: a command that leaves a daemon
    /// behind (pg_ctl start) would hold a pipe open forever.
    static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let dir = TestPaths.temporaryDirectory("run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outPath = dir + "/stdout", errPath = dir + "/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        // posix_spawnp: "/usr/bin/env" and absolute paths as given, bare names through PATH.
        let code = posix_spawnp(&pid, executable, &actions, nil, argv, envp)
        guard code == 0 else { throw SpawnError(executable: executable, code: code) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import: the low 7 bits are the signal.
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitStatus,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
