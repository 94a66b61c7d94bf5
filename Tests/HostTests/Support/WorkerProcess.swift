import Foundation
import Testing
import UvianHost

/// A real `uvian-worker serve` process on a free port, with JSON logs captured to a file.
final class WorkerProcess: @unchecked Sendable {
    // `process` is only touched by the test that owns this object.
    let process = Process()
    let dataDir: String
    let logPath: String
    private(set) var port = 0

    /// A plugins.yaml with the data plugin, hello-c and the default C fixture.
    static func pluginsFile(in dir: String) throws -> String {
        let path = dir + "/plugins.yaml"
        let yaml = """
            plugin_dirs: [\(TestPaths.buildDir)]
            plugins:
              - name: data
              - name: hello-c
                path: \(try CPluginBuilder.helloC())
              - name: fixture
                path: \(try CPluginBuilder.fixture())
            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `launcher`: a command the worker is started through (its arguments, then the worker's
    /// path and `serve`), e.g. one that mounts a small file system first.
    init(dataDir: String? = nil, environment extra: [String: String] = [:], launcher: [String] = []) throws {
        let dir = dataDir ?? TestPaths.temporaryDirectory("proc")
        self.dataDir = dir
        logPath = dir + "/worker-\(UUID().uuidString.prefix(6)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = "0"
        environment["HOST"] = "127.0.0.1"
        environment["DATA_DIR"] = dir
        environment["PLUGINS_CONFIG"] = try Self.pluginsFile(in: dir)
        environment["LOG_FORMAT"] = "json"
        environment["LOG_LEVEL"] = "debug"
        environment["POLL_INTERVAL_MS"] = "50"
        environment["SWIFT_BACKTRACE"] = "enable=no"
        for (key, value) in extra { environment[key] = value }
        if let command = launcher.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(launcher.dropFirst()) + [TestPaths.workerBinary, "serve"]
        } else {
            process.executableURL = URL(fileURLWithPath: TestPaths.workerBinary)
            process.arguments = ["serve"]
        }
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
    }

    /// Runs `body` with a started worker, stopped afterwards whatever happens.
    static func with(environment: [String: String] = [:], launcher: [String] = [], _ body: (WorkerProcess) async throws -> Void) async throws {
        let worker = try WorkerProcess(environment: environment, launcher: launcher)
        try await worker.start()
        do {
            try await body(worker)
        } catch {
            await worker.stop()
            throw error
        }
        await worker.stop()
    }

    /// Starts the process and waits until it logs the port it listens on.
    func start() async throws {
        try process.run()
        for _ in 0..<300 {
            if let line = logLines().first(where: { $0["message"]?.stringValue == "http.listening" }),
               let port = line["http.port"]?.stringValue.flatMap(Int.init), port > 0 {
                self.port = port
                return
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StartFailure(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    struct StartFailure: Error, CustomStringConvertible {
        let log: String
        var description: String { "worker did not start:\n\(log)" }
    }

    /// The JSON log lines written so far.
    func logLines() -> [JSONValue] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
    }

    var rawLog: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit; returns its status, or nil if it is still running.
    func waitForExit(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Stops the process for good (test clean-up).
    func stop() async {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if await waitForExit(timeout: 10) == nil {
            signal(SIGKILL)
            _ = await waitForExit(timeout: 5)
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func request(_ method: String, _ path: String, body: String? = nil, headers: [String] = []) async throws -> HTTPReply {
        try await HTTPReply.fetch(method, baseURL + path, body: body, headers: headers)
    }

    /// Polls `GET /task/{id}` until the task is finished.
    func waitForTask(_ id: String, timeout: Double = 30) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try await request("GET", "/task/\(id)")
            let status = reply.json?["status"]?.stringValue
            if ["completed", "failed", "cancelled"].contains(status) || Date() > deadline { return reply.json ?? .null }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// An HTTP exchange done with curl, so the tests speak to the worker over a real socket with a
/// client that is not ours.
struct HTTPReply: Sendable {
    let status: Int
    let body: String
    let headers: String
    var json: JSONValue? { try? JSONValue.parse(body) }

    static func fetch(_ method: String, _ url: String, body: String? = nil, headers: [String] = [], maxTime: Double = 30) async throws -> HTTPReply {
        let dir = TestPaths.temporaryDirectory("curl")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var arguments = ["curl", "-sS", "-X", method, "-o", dir + "/body", "-D", dir + "/headers", "-w", "%{http_code}",
                         "--max-time", String(maxTime)]
        for header in headers { arguments += ["-H", header] }
        if let body {
            try body.write(toFile: dir + "/request", atomically: true, encoding: .utf8)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@" + dir + "/request"]
        }
        arguments.append(url)
        let status = try await runProcess("/usr/bin/env", arguments)
        let code = Int(status.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return HTTPReply(status: code,
                         body: (try? String(contentsOfFile: dir + "/body", encoding: .utf8)) ?? "",
                         headers: (try? String(contentsOfFile: dir + "/headers", encoding: .utf8)) ?? "")
    }

    /// Runs a process without blocking a cooperative thread, and returns its stdout.
    static func runProcess(_ executable: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let outputPath = TestPaths.temporaryDirectory("out") + "/stdout"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume()
            }
        }
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}
