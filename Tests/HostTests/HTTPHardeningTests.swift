import Foundation
import Testing
import UvianHost

/// What the HTTP API answers when the request or the machine is not as it should be: malformed
/// and slow requests (raw sockets), a connection cap, methods a path is not served with, a full
/// disk, and the routes the OpenAPI document names.
@Suite struct HTTPHardeningTests {
    /// Bug: these got no answer and their connection stayed open. Each is answered with the
    /// API's JSON error and closed at once.
    static let malformed: [(name: String, request: [UInt8], status: Int)] = [
        ("a garbage request line", Array("HELLO WORLD\r\n\r\n".utf8), 400),
        ("a negative Content-Length", Array("POST /execute HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".utf8), 400),
        ("two Content-Lengths", Array("POST /execute HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}".utf8), 400),
        ("Content-Length with Transfer-Encoding",
         Array("POST /execute HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8), 400),
        ("80 KB of headers", Array(("GET /health HTTP/1.1\r\nHost: x\r\n" + (0..<90).map { "X-H\($0): " + String(repeating: "a", count: 1000) + "\r\n" }.joined() + "\r\n").utf8), 431),
        ("a 1 MB URL", Array(("GET /" + String(repeating: "a", count: 1_000_000) + " HTTP/1.1\r\nHost: x\r\n\r\n").utf8), 431),
        ("a NUL in a header", Array("GET /health HTTP/1.1\r\nHost: x\r\nX-A: a".utf8) + [0] + Array("b\r\n\r\n".utf8), 400),
        ("a bare CR in a header", Array("GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n".utf8), 400),
        ("HTTP/0.9", Array("GET /health\r\n".utf8), 400),
        ("a body announced past the limit", Array("POST /execute HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n".utf8)
            + [UInt8](repeating: UInt8(ascii: "x"), count: 100_000), 413),
    ]

    @Test func malformedRequestsAreAnsweredAndClosed() async throws {
        try await withWorker { worker in
            for (name, request, status) in Self.malformed {
                let socket = try RawSocket(port: worker.port)
                await socket.send(request)
                let reply = await socket.receive(timeout: 5)
                #expect(reply.text.hasPrefix("HTTP/1.1 \(status) "), "\(name): \(reply.text.prefix(80))")
                #expect(reply.text.lowercased().contains("connection: close"), "\(name)")
                #expect(reply.text.contains(#"{"error":{"#), "\(name): \(reply.text.suffix(200))")
                #expect(reply.closed, "\(name): the connection stayed open")
            }
            #expect(worker.process.isRunning)
            #expect(!worker.logLines().contains { $0["level"] == "error" }, "errors logged for refused requests")
        }
    }

    /// Bug: headers sent slowly (slowloris) were never timed out; an idle keep-alive connection
    /// was never closed. A chunked body past the limit is answered 413 and closed, not left open.
    @Test func slowIdleAndOversizedConnectionsAreClosed() async throws {
        try await withWorker(environment: ["HTTP_HEADER_TIMEOUT": "1", "HTTP_IDLE_TIMEOUT": "2"]) { worker in
            // Lower bounds only (from before the first byte): the timer, not something else,
            // closed the connection; how much later it fires depends on the machine's load.
            let slow = try RawSocket(port: worker.port)
            let slowStart = Date()
            await slow.send("GET /health HTTP/1.1\r\nHost: x\r\n")
            let cut = await slow.receive(timeout: 10)
            #expect(cut.text.hasPrefix("HTTP/1.1 408 "), "\(cut.text.prefix(80))")
            #expect(cut.closed && Date().timeIntervalSince(slowStart) >= 1, "\(cut.closed)")

            let idle = try RawSocket(port: worker.port)
            let idleStart = Date()
            await idle.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let kept = await idle.receive(timeout: 10)
            #expect(kept.text.hasPrefix("HTTP/1.1 200 "))
            #expect(kept.closed && Date().timeIntervalSince(idleStart) >= 2, "an idle connection closed before the idle timeout")

            let chunked = try RawSocket(port: worker.port)
            let chunk = String(repeating: "y", count: 1 << 20)
            var body = "POST /execute HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<9 { body += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }
            await chunked.send(body)
            let refused = await chunked.receive(timeout: 10)
            #expect(refused.text.hasPrefix("HTTP/1.1 413 "), "\(refused.text.prefix(80))")
            #expect(refused.closed)
        }
    }

    /// At most HTTP_MAX_CONNECTIONS connections are served at once; the next waits for one to go.
    @Test func connectionsAreCapped() async throws {
        try await withWorker(environment: ["HTTP_MAX_CONNECTIONS": "2"]) { worker in
            let first = try RawSocket(port: worker.port), second = try RawSocket(port: worker.port)
            for socket in [first, second] {
                await socket.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await socket.receive(timeout: 10, until: "\"status\"").text.hasPrefix("HTTP/1.1 200 "))
            }
            let third = try RawSocket(port: worker.port)
            await third.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(await third.receive(timeout: 1).text.isEmpty, "a third connection was served")
            await first.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            _ = await first.receive(timeout: 10)
            #expect(await third.receive(timeout: 10).text.hasPrefix("HTTP/1.1 200 "))
        }
    }

    func withWorker(environment: [String: String] = [:], launcher: [String] = [], _ body: (WorkerProcess) async throws -> Void) async throws {
        try await WorkerProcess.with(environment: environment, launcher: launcher, body)
    }

    /// Bug: a method a path is not served with answered 404, as if the path did not exist.
    @Test func anUnservedMethodIs405WithAllow() async throws {
        try await withWorker { worker in
            let put = try await worker.request("PUT", "/task/abc")
            #expect(put.status == 405)
            #expect(put.json?["error"]?["code"] == "method_not_allowed")
            #expect(put.headers.lowercased().contains("allow: get, head, delete"), "\(put.headers)")
            let get = try await worker.request("GET", "/execute")
            #expect(get.status == 405 && get.headers.lowercased().contains("allow: post"), "\(get.headers)")
            #expect(try await worker.request("GET", "/no/such/path").status == 404)
        }
    }

    /// The OpenAPI document is the live API: every operation it lists is served (not 404 or
    /// 405), and every other method at its paths is a 405 whose `Allow` lists exactly the
    /// document's methods.
    @Test func theOpenAPIDocumentListsExactlyTheLiveRoutes() async throws {
        try await withWorker { worker in
            let document = try #require(try await worker.request("GET", "/openapi.json").json)
            let paths = try #require(document["paths"]?.objectValue)
            #expect(paths.count >= 12)
            for (path, operations) in paths {
                let concrete = path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "x", options: .regularExpression)
                let documented = Set((operations.objectValue ?? [:]).keys.map { $0.uppercased() })
                for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
                    // The WebSocket route needs an upgrade; a plain GET of it is refused by the upgrader.
                    if path == "/events/ws" { continue }
                    // Streams stay open: only their status line is wanted.
                    if path == "/events" && method == "GET" { continue }
                    let reply = try await worker.request(method, concrete, body: method == "POST" ? "{}" : nil)
                    if documented.contains(method) {
                        // Served: anything but the router's own "no such route" (a 404 naming the
                        // missing task or conversation is the route answering).
                        #expect(reply.status != 405 && reply.json?["error"]?["code"] != "not_found", "\(method) \(concrete): \(reply.status) \(reply.body)")
                    } else {
                        #expect(reply.status == 405, "\(method) \(concrete): \(reply.status)")
                        let allow = reply.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("allow:") }
                        let listed = Set((allow?.dropFirst("allow:".count) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                        #expect(listed.subtracting(["HEAD"]) == documented, "\(method) \(concrete): \(allow ?? "no Allow")")
                    }
                }
            }
        }
    }

    /// Bug: a full disk answered a generic 500. It is a 503 naming the cause, with Retry-After,
    /// and the worker keeps serving. DATA_DIR is a 4 MB tmpfs of its own (a private mount
    /// namespace, so nothing outside the worker sees it).
    @Test func aFullDiskIs503StorageFull() async throws {
        let data = TestPaths.temporaryDirectory("full-disk")
        let mount = ["/usr/bin/unshare", "-m", "/bin/sh", "-c", "mount -t tmpfs -o size=4m tmpfs \"$DATA_DIR\" && exec \"$@\"", "sh"]
        try await withWorker(environment: ["DATA_DIR": data], launcher: mount) { worker in
            let big = String(repeating: "x", count: 900_000)
            var full: HTTPReply?
            for _ in 0..<40 {
                let reply = try await worker.request("POST", "/execute", body: #"{"task_type":"echo","parameters":{"blob":"\#(big)"},"options":{"delay_ms":600000}}"#)
                if reply.status != 202 {
                    full = reply
                    break
                }
            }
            let reply = try #require(full, "the disk never filled")
            #expect(reply.status == 503, "\(reply.status) \(reply.body); worker log: \(worker.logLines().suffix(8))")
            #expect(reply.json?["error"]?["code"] == "storage_full")
            #expect(reply.headers.lowercased().contains("retry-after: 30"), "\(reply.headers)")
            #expect(worker.process.isRunning)
            #expect(try await worker.request("GET", "/health").status == 200)
            #expect(worker.logLines().contains { $0["message"] == "storage.full" })
        }
    }
}
