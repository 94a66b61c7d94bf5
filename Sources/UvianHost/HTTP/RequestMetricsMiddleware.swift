import Foundation
import Hummingbird

/// Counts and times every answered request for `/metrics`, by the matched route's template (never
/// the path itself, which holds ids; "unmatched" when no route matched), method and status.
/// Outermost, so it sees the status the error middleware answered with.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: WorkerMetrics
    /// The API's route templates (`/task/{id}`), as Hummingbird names the matched one.
    let routes: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let status: Int
        do {
            let response = try await next(request, context)
            status = response.status.code
            record(request, context, status: status, since: start)
            return response
        } catch {
            record(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = context.endpointPath.flatMap { routes.contains($0) ? $0 : nil } ?? "unmatched"
        metrics.requestServed(route: route, method: request.method.rawValue, status: status, seconds: seconds)
    }
}
