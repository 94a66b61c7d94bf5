import Foundation
import Hummingbird

/// The dashboard's files (`Dashboard/assets` in the module's resources: plain HTML, CSS and
/// JavaScript, no build step, nothing from a CDN), read once.
enum DashboardRoutes {
    static let files: [String: (type: String, body: ByteBuffer)] = {
        var files: [String: (type: String, body: ByteBuffer)] = [:]
        for (name, type) in [("index.html", "text/html; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"),
                             ("app.css", "text/css; charset=utf-8"), ("favicon.svg", "image/svg+xml")] {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "assets"),
                  let data = try? Data(contentsOf: url) else { continue }
            files[name] = (type, ByteBuffer(bytes: data))
        }
        return files
    }()

    /// What needs no key: the page and its files (the page asks for the key itself), the login.
    static func isOpen(_ request: Request) -> Bool {
        let path = request.uri.path
        return path == "/health" || path == "/" || path.hasPrefix("/dashboard/") || path == "/session"
    }

    static func file(_ name: String) throws -> Response {
        guard let file = files[name] else { throw APIError(.notFound, code: "no_such_file", "the dashboard has no file \(name)") }
        // The page's policy: its own files only (no inline script, no other origin).
        return Response(status: .ok, headers: [
            .contentType: file.type, .cacheControl: "no-cache",
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
            .xContentTypeOptions: "nosniff",
        ], body: .init(byteBuffer: file.body))
    }
}
