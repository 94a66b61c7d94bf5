import Foundation
import HTTPTypes
import Hummingbird
import JSON

/// The dashboard at `/`, its login (`/session`) and the figures its charts draw (`/stats`).
extension APIRoutes {
    var dashboardRoutes: [APIRoute] {
        [
            APIRoute(.get, "/", .respond { _, _ in try DashboardRoutes.file("index.html") }, operation: #"""
                {
                 "summary": "The dashboard (HTML; it asks for the API key when one is set)",
                 "responses": {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}}
                }
                """#),
            APIRoute(.get, "/dashboard/{file}", .respond { _, context in try DashboardRoutes.file(context.parameters.require("file")) }, operation: #"""
                {
                 "summary": "The dashboard's script, style sheet and icon",
                 "parameters": [{"name": "file", "in": "path", "required": true, "schema": {"enum": ["app.js", "app.css", "favicon.svg"]}}],
                 "responses": {"200": {"description": "The file"}, "404": {"$ref": "#/components/responses/Error"}}
                }
                """#),
            APIRoute(.get, "/session", .respond { request, _ in self.session(request) }, operation: #"""
                {
                 "summary": "Whether this browser is logged in to the dashboard, and how the worker serves it",
                 "responses": {"200": {"description": "The session", "content": {"application/json": {"schema": {"type": "object", "required": ["authenticated", "auth_required", "read_only"], "properties": {"authenticated": {"type": "boolean"}, "auth_required": {"type": "boolean"}, "read_only": {"type": "boolean"}, "queue": {"type": "string"}, "backend": {"type": "string"}, "store": {"type": "string"}, "version": {"type": "string"}, "worker_id": {"type": "string"}}}}}}}
                }
                """#),
            APIRoute(.post, "/session", .respond { request, _ in try await self.login(request) }, operation: #"""
                {
                 "summary": "Log the dashboard in with the API key: sets the HttpOnly, SameSite=Strict session cookie and the CSRF cookie",
                 "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["api_key"], "properties": {"api_key": {"type": "string"}}}}}},
                 "responses": {"200": {"description": "Logged in"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}
                }
                """#),
            APIRoute(.delete, "/session", .respond { _, _ in self.logout() }, operation: #"""
                {
                 "summary": "Log the dashboard out (the cookies are cleared)",
                 "responses": {"200": {"description": "Logged out"}}
                }
                """#),
            APIRoute(.get, "/stats", .respond { request, _ in try await self.stats(request) }, operation: #"""
                {
                 "summary": "Tasks completed and failed over the last hour (per minute) or day (per hour), for the dashboard's charts",
                 "parameters": [{"name": "window", "in": "query", "schema": {"enum": ["hour", "day"], "default": "hour"}}],
                 "responses": {
                   "200": {"description": "The buckets, oldest first (empty ones included)", "content": {"application/json": {"schema": {"type": "object", "required": ["window", "bucket_seconds", "buckets", "completed", "failed"], "properties": {"window": {"type": "string"}, "bucket_seconds": {"type": "integer"}, "completed": {"type": "integer"}, "failed": {"type": "integer"}, "buckets": {"type": "array", "items": {"type": "object", "required": ["start", "completed", "failed"], "properties": {"start": {"type": "string", "format": "date-time"}, "completed": {"type": "integer"}, "failed": {"type": "integer"}}}}}}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
        ]
    }

    func session(_ request: Request) -> Response {
        let config = worker.config
        let authenticated = config.apiKey.map { key in
            BearerToken.authorizes(request, apiKey: key) || DashboardSession.session(of: request, apiKey: key) != nil
        } ?? true
        return JSONResponse.make([
            "authenticated": .bool(authenticated), "auth_required": .bool(config.apiKey != nil), "read_only": .bool(config.dashboardReadOnly),
            "queue": .string(config.queueName), "backend": .string(worker.queue.kind), "store": .string(worker.store.kind),
            "version": .string(UvianVersion.current), "worker_id": .string(config.workerId),
        ])
    }

    func login(_ request: Request) async throws -> Response {
        guard let apiKey = worker.config.apiKey else { return JSONResponse.make(["authenticated": true]) }
        let fields = try await Self.objectBody(request)
        guard let given = fields["api_key"]?.stringValue else {
            throw APIError(.badRequest, code: "invalid_request", "api_key must be a string")
        }
        guard BearerToken.constantTimeEqual(Array(given.utf8), Array(apiKey.utf8)) else {
            throw APIError(.unauthorized, code: "unauthorized", "wrong API key")
        }
        return withCookies(DashboardSession.cookies(apiKey: apiKey, expires: Date().addingTimeInterval(DashboardSession.lifetime)), ["authenticated": true])
    }

    func logout() -> Response {
        guard let apiKey = worker.config.apiKey else { return JSONResponse.make(["authenticated": true]) }
        return withCookies(DashboardSession.cookies(apiKey: apiKey, expires: nil), ["authenticated": false])
    }

    private func withCookies(_ cookies: [String], _ body: JSONValue) -> Response {
        var response = JSONResponse.make(body)
        for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    func stats(_ request: Request) async throws -> Response {
        let window = request.uri.queryParameters.get("window") ?? "hour"
        let (span, bucket): (Int, Int) = switch window {
        case "hour": (3600, 60)
        case "day": (86_400, 3600)
        default: throw APIError(.badRequest, code: "invalid_query", "window must be hour or day")
        }
        let now = Int(Date().timeIntervalSince1970)
        let first = (now - span) / bucket * bucket + bucket
        let found = Dictionary(uniqueKeysWithValues: try await worker.store.throughput(since: Date(timeIntervalSince1970: Double(first)),
                                                                                            bucketSeconds: bucket).map { ($0.start, $0) })
        let buckets = stride(from: first, through: now / bucket * bucket, by: bucket).map { start in
            JSONValue.object(["start": .string(ISO8601.format(Date(timeIntervalSince1970: Double(start)))),
                              "completed": .number(Double(found[start]?.completed ?? 0)), "failed": .number(Double(found[start]?.failed ?? 0))])
        }
        let completed = found.values.reduce(0) { $0 + $1.completed }
        let failed = found.values.reduce(0) { $0 + $1.failed }
        return JSONResponse.make(.object([
            "window": .string(window), "bucket_seconds": .number(Double(bucket)), "buckets": .array(buckets),
            "completed": .number(Double(completed)), "failed": .number(Double(failed)),
        ]))
    }
}
