import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape: the framework's own (404 for an unknown
/// route, 405, 413) keep their status; anything unexpected becomes a 500 whose details stay in the
/// log, never in the response.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.body ?? (error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            throw APIError(error.status, code: code, message)
        } catch {
            context.logger.error("http.request.failed", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            throw APIError(.internalServerError, code: "internal_error", "internal error; see the worker's log")
        }
    }
}

/// Bearer-token check when `API_KEY` is set; `/health` stays open for probes.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/health" { return try await next(request, context) }
        guard let header = request.headers[.authorization], header == "Bearer \(apiKey)" else {
            throw APIError(.unauthorized, code: "unauthorized", "missing or wrong bearer token (Authorization: Bearer <API_KEY>)")
        }
        return try await next(request, context)
    }
}
