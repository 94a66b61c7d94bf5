import Hummingbird
import JSON

/// One route of the HTTP API: what the router serves and what the OpenAPI document says of it,
/// in one value, so the two cannot drift apart (`APIRoutes.catalog` registers every route from
/// it and `OpenAPIDocument` is made from it).
struct APIRoute: Sendable {
    typealias Respond = @Sendable (Request, BasicRequestContext) async throws -> Response

    enum Handler: Sendable {
        case respond(Respond)
        /// Serves the OpenAPI document made from the catalog.
        case document
        /// Served by the WebSocket router (`EventSocketRoutes`); listed for the document.
        case webSocket
    }

    let method: HTTPRequest.Method
    /// The path as OpenAPI writes it: `/task/{id}`.
    let path: String
    let handler: Handler
    /// The OpenAPI operation object (summary, parameters, request body, responses).
    let operation: JSONValue

    init(_ method: HTTPRequest.Method, _ path: String, _ handler: Handler, operation: String) {
        self.method = method
        self.path = path
        self.handler = handler
        do {
            self.operation = try JSONValue.parse(operation)
        } catch {
            preconditionFailure("the OpenAPI operation of \(method) \(path) is not valid JSON: \(error)")
        }
    }

    /// The path as Hummingbird's router writes it: `/task/:id`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
    }

    /// True when a request path fits this route's template (`{name}` matches one segment).
    func matches(path requested: String) -> Bool {
        let template = path.split(separator: "/", omittingEmptySubsequences: false)
        let parts = requested.split(separator: "/", omittingEmptySubsequences: false)
        guard template.count == parts.count else { return false }
        return zip(template, parts).allSatisfy { pattern, part in
            pattern.hasPrefix("{") ? !part.isEmpty : pattern == part
        }
    }
}

extension [APIRoute] {
    /// The methods the catalog serves at `path` (for a 405's `Allow`), in a fixed order.
    func methods(servingPath path: String) -> [String] {
        let served = Set(filter { $0.matches(path: path) }.map(\.method.rawValue))
        return ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].filter {
            served.contains($0) || ($0 == "HEAD" && served.contains("GET"))
        }
    }
}
