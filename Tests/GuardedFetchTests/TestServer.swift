import Foundation
@testable import GuardedFetch

/// The loopback test server (Support/test_server.py) as a subprocess: one per test, killed by `stop`.
final class TestServer: @unchecked Sendable {
    let process = Process()
    let port: Int

    init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/test_server.py")
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        process.standardOutput = output
        try process.run()
        // The first line of stdout is the port the kernel picked.
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// A policy that allows exactly this server (127.0.0.1:port), as a deployment would allowlist a mock.
    var policy: FetchPolicy { FetchPolicy(allowList: "127.0.0.1:\(port)") }

    /// SIGKILL: the child inherits the test runner's blocked-signal mask, in which SIGTERM is blocked.
    /// Reaped with waitpid, not `waitUntilExit`, which spins a run loop on the test's thread (in
    /// the host's tests it deadlocked a full run once every cooperative thread waited so).
    func stop() {
        let pid = process.processIdentifier
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// GET base+path through an allowlisting fetcher, decoded as a JSON object (for /echo and /stats).
    func json(_ path: String) throws -> [String: Any] {
        let response = try Fetcher(policy: policy).fetch(FetchRequest(url: base + path))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }
}

/// The FetchError a fetch threw, or nil when it succeeded.
func fetchError(_ fetcher: Fetcher, _ request: FetchRequest) -> FetchError? {
    do {
        _ = try fetcher.fetch(request)
        return nil
    } catch {
        return error
    }
}

func fetchError(_ fetcher: Fetcher, _ url: String) -> FetchError? { fetchError(fetcher, FetchRequest(url: url)) }

/// Runs `body(i)` on `count` new threads (real threads, as plugin workers are) and waits for all.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread.detachNewThread {
            body(index)
            group.leave()
        }
    }
    group.wait()
}

func echoHeaders(_ response: FetchResponse) -> [String: String] {
    let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    return object?["headers"] as? [String: String] ?? [:]
}

func echoField(_ response: FetchResponse, _ name: String) -> String? {
    let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    return object?[name] as? String
}
