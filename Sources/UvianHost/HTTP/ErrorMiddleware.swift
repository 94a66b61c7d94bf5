import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape: the framework's own (404 for an unknown
/// route, 413) keep their status, a path served with other methods is a 405 with `Allow`, a full
/// disk or database a 503 `storage_full` with `Retry-After`; anything unexpected becomes a 500
/// whose details stay in the log, never in the response.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The API's routes: which methods a path is served with.
    var routes: [APIRoute] = []

    /// How long a client told that storage is full waits before it tries again.
    static var storageRetrySeconds: Int { 30 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            if error.status == .notFound, case let allowed = routes.methods(servingPath: request.uri.path), !allowed.isEmpty {
                throw APIError(.methodNotAllowed, code: "method_not_allowed",
                               "\(request.method) is not served at \(request.uri.path); it is served with \(allowed.joined(separator: ", "))",
                               headers: [.allow: allowed.joined(separator: ", ")])
            }
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.body ?? (error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            throw APIError(error.status, code: code, message)
        } catch where StorageFull.describes(error) {
            context.logger.error("storage.full", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            throw APIError(.serviceUnavailable, code: "storage_full",
                           "the worker's storage is full, so nothing was written; try again later",
                           headers: [.retryAfter: String(Self.storageRetrySeconds)])
        } catch {
            context.logger.error("http.request.failed", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            throw APIError(.internalServerError, code: "internal_error", "internal error; see the worker's log")
        }
    }
}

/// Bearer-token check when `API_KEY` is set; `/health`, the dashboard's page and files and its
/// login stay open (`/health` shows its details only to callers with the token). The
/// dashboard's session cookie authenticates too; a state-changing request that relies on it must
/// carry its CSRF token.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if DashboardRoutes.isOpen(request) { return try await next(request, context) }
        if BearerToken.authorizes(request, apiKey: apiKey) { return try await next(request, context) }
        guard let session = DashboardSession.session(of: request, apiKey: apiKey) else {
            throw APIError(.unauthorized, code: "unauthorized", "missing or wrong bearer token (Authorization: Bearer <API_KEY>)")
        }
        if request.method != .get, request.method != .head {
            let expected = DashboardSession.csrf(apiKey: apiKey, session: session)
            guard let given = request.headers[DashboardSession.csrfHeader],
                  BearerToken.constantTimeEqual(Array(given.utf8), Array(expected.utf8)) else {
                throw APIError(.forbidden, code: "csrf", "a request made with the dashboard's session must carry its X-Uvian-CSRF token")
            }
        }
        return try await next(request, context)
    }
}

/// `DASHBOARD_READ_ONLY`: the dashboard's own requests (its header, or its session cookie) may
/// only read; its login and logout still work.
struct DashboardReadOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let reads = request.method == .get || request.method == .head || request.uri.path == "/session"
        let fromDashboard = request.headers[DashboardSession.dashboardHeader] != nil || DashboardSession.cookie(DashboardSession.cookie, in: request) != nil
        guard reads || !fromDashboard else {
            throw APIError(.forbidden, code: "read_only", "the dashboard is read-only here (DASHBOARD_READ_ONLY); use the API with the key to act")
        }
        return try await next(request, context)
    }
}

/// The `Authorization: Bearer <API_KEY>` check.
package enum BearerToken {
    /// True when no key is set, or the request carries it as its bearer token.
    static func authorizes(_ request: Request, apiKey: String?) -> Bool {
        guard let apiKey else { return true }
        guard let header = request.headers[.authorization] else { return false }
        return constantTimeEqual(Array(header.utf8), Array("Bearer \(apiKey)".utf8))
    }

    /// Compares every byte whatever the first difference, so the time taken says nothing about
    /// how much of a guessed token was right (only its length, which is not the secret).
    package static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: given.count ^ expected.count)
        for index in expected.indices {
            difference |= UInt(expected[index] ^ (index < given.count ? given[index] : 0))
        }
        return difference == 0
    }
}
