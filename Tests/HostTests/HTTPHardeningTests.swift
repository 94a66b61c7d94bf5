import Foundation
import Testing
@testable import Host

/// What the HTTP API answers when the request or the machine is not as it should be: methods a
/// path is not served with, a full disk, and the routes the OpenAPI document names.
@Suite struct HTTPHardeningTests {
    func withWorker(environment: [String: String] = [:], launcher: [String] = [], _ body: (WorkerProcess) async throws -> Void) async throws {
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
            #expect(reply.status == 503, "\(reply.status) \(reply.body)")
            #expect(reply.json?["error"]?["code"] == "storage_full")
            #expect(reply.headers.lowercased().contains("retry-after: 30"), "\(reply.headers)")
            #expect(worker.process.isRunning)
            #expect(try await worker.request("GET", "/health").status == 200)
            #expect(worker.logLines().contains { $0["message"] == "storage.full" })
        }
    }
}
