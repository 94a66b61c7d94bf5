import Foundation
import Hummingbird
import JSON

/// Operators' actions: retry, promote and remove a task, the same over a filter, pause and resume
/// the queue, and what it holds (`GET /queue`).
extension APIRoutes {
    var actionRoutes: [APIRoute] {
        [
            APIRoute(.post, "/task/{id}/retry", .respond { request, context in
                try await self.retry(id: context.parameters.require("id"), request)
            }, operation: #"""
                {
                 "summary": "Run a failed or cancelled task again, its attempts reset (a completed one with force=true)",
                 "parameters": [{"$ref": "#/components/parameters/TaskId"}, {"name": "force", "in": "query", "schema": {"type": "boolean", "default": false}}],
                 "responses": {
                   "200": {"description": "Queued again", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"},
                   "409": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.post, "/task/{id}/promote", .respond { _, context in try await self.promote(id: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "Run a delayed task (or one waiting for its retry's backoff) now",
                 "parameters": [{"$ref": "#/components/parameters/TaskId"}],
                 "responses": {
                   "200": {"description": "Promoted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"},
                   "409": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.post, "/tasks/retry", .respond { request, _ in try await self.bulk(request, retrying: true) }, operation: #"""
                {
                 "summary": "Retry the finished tasks a filter finds (default status failed)",
                 "parameters": [{"$ref": "#/components/parameters/BulkStatus"}, {"$ref": "#/components/parameters/BulkTaskType"}, {"$ref": "#/components/parameters/BulkOlderThan"}, {"$ref": "#/components/parameters/BulkLimit"}, {"name": "force", "in": "query", "schema": {"type": "boolean", "default": false}}],
                 "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BulkFilter"}}}},
                 "responses": {
                   "200": {"description": "How many were retried", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BulkResult"}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.post, "/tasks/clean", .respond { request, _ in try await self.bulk(request, retrying: false) }, operation: #"""
                {
                 "summary": "Remove the finished tasks a filter finds (default status completed)",
                 "parameters": [{"$ref": "#/components/parameters/BulkStatus"}, {"$ref": "#/components/parameters/BulkTaskType"}, {"$ref": "#/components/parameters/BulkOlderThan"}, {"$ref": "#/components/parameters/BulkLimit"}],
                 "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BulkFilter"}}}},
                 "responses": {
                   "200": {"description": "How many were removed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BulkResult"}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/webhooks/failed", .respond { request, _ in try await self.failedWebhooks(request) }, operation: #"""
                {
                 "summary": "Webhook deliveries given up (out of tries, or refused for good), the newest first",
                 "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
                 "responses": {
                   "200": {"description": "The deliveries", "content": {"application/json": {"schema": {"type": "object", "required": ["deliveries"], "properties": {"deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookDelivery"}}}}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/queue", .respond { _, _ in try await self.queueOverview() }, operation: #"""
                {
                 "summary": "What the queue holds: jobs per state, tasks per status and task type, the oldest waiting job",
                 "responses": {
                   "200": {"description": "The queue", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueueOverview"}}}},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.post, "/queue/pause", .respond { _, _ in try await self.setPaused(true) }, operation: #"""
                {
                 "summary": "Pause the queue for every worker (BullMQ's pause on Redis): running tasks finish, none starts",
                 "responses": {
                   "200": {"description": "Paused", "content": {"application/json": {"schema": {"type": "object", "required": ["paused"], "properties": {"paused": {"type": "boolean"}}}}}},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.post, "/queue/resume", .respond { _, _ in try await self.setPaused(false) }, operation: #"""
                {
                 "summary": "Resume the queue",
                 "responses": {
                   "200": {"description": "Resumed", "content": {"application/json": {"schema": {"type": "object", "required": ["paused"], "properties": {"paused": {"type": "boolean"}}}}}},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
        ]
    }

    func retry(id: String, _ request: Request) async throws -> Response {
        let force = try Self.flag(request.uri.queryParameters.get("force"), name: "force")
        return try await acting { JSONResponse.make(try await self.worker.retry(id: id, force: force).json) }
    }

    func promote(id: String) async throws -> Response {
        try await acting {
            guard let record = try await self.worker.promote(id: id) else {
                return JSONResponse.make(["task_id": .string(id), "status": "pending", "promoted": true])
            }
            return JSONResponse.make(record.json)
        }
    }

    func purge(id: String) async throws -> Response {
        try await acting {
            let record = try await self.worker.purge(id: id)
            return JSONResponse.make(["task_id": .string(id), "removed": true, "status": .string(record.status.rawValue)])
        }
    }

    /// `POST /tasks/retry` and `/tasks/clean`: the filter from the query, or from a JSON body
    /// with the same fields (the body wins).
    func bulk(_ request: Request, retrying: Bool) async throws -> Response {
        var fields: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { fields[String(name)] = String(value) }
        if let length = request.headers[.contentLength], length != "0" {
            for (name, value) in try await Self.objectBody(request) {
                switch value {
                case .string(let text): fields[name] = text
                case .number, .bool: fields[name] = value.serialized()
                case .null: fields[name] = nil
                default: throw APIError(.badRequest, code: "invalid_request", "\(name) must be a string or a number")
                }
            }
        }
        let known: Set<String> = retrying ? ["status", "task_type", "older_than", "limit", "force"] : ["status", "task_type", "older_than", "limit"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw APIError(.badRequest, code: "invalid_request", "unknown filter field '\(unknown)'; known: \(known.sorted().joined(separator: ", "))")
        }
        let force = try Self.flag(fields["force"], name: "force")
        var query = TaskQuery()
        let allowed: [TaskStatus] = retrying ? [.failed, .cancelled, .completed] : [.completed, .failed, .cancelled]
        let status = fields["status"] ?? (retrying ? "failed" : "completed")
        guard let value = TaskStatus(rawValue: status), allowed.contains(value) else {
            throw APIError(.badRequest, code: "invalid_request", "status must be one of \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        if retrying, value == .completed, !force {
            throw APIError(.badRequest, code: "invalid_request", "retrying completed tasks needs force=true")
        }
        query.status = value
        query.taskType = fields["task_type"]
        query.limit = try Self.integer(fields["limit"], name: "limit", range: 1...10_000) ?? 1000
        if let olderThan = fields["older_than"] {
            guard let seconds = Self.duration(olderThan) else {
                throw APIError(.badRequest, code: "invalid_request", "older_than must be seconds, or a number with s, m, h or d (e.g. 7d)")
            }
            query.finishedBefore = Date().addingTimeInterval(-seconds)
        }
        let ids = retrying ? try await worker.retryAll(query, force: force) : try await worker.purgeAll(query)
        return JSONResponse.make(["count": .number(Double(ids.count)), "task_ids": .array(ids.map { .string($0) })])
    }

    func queueOverview() async throws -> Response {
        async let overview = worker.queue.overview()
        async let byType = worker.store.countsByType()
        let (queue, types) = try await (overview, byType)
        var totals: [String: JSONValue] = [:]
        var perType: [String: JSONValue] = [:]
        for status in TaskStatus.allCases { totals[status.rawValue] = 0 }
        for (type, counts) in types {
            var entry: [String: JSONValue] = [:]
            for status in TaskStatus.allCases {
                let n = counts[status] ?? 0
                entry[status.rawValue] = .number(Double(n))
                totals[status.rawValue] = .number((totals[status.rawValue]?.doubleValue ?? 0) + Double(n))
            }
            perType[type] = .object(entry)
        }
        let oldest: JSONValue = queue.oldestWaiting.map { oldest in
            .object(["task_id": .string(oldest.id), "since": .string(ISO8601.format(oldest.since)),
                     "age_seconds": .number(max(0, (Date().timeIntervalSince(oldest.since) * 1000).rounded() / 1000))])
        } ?? .null
        return JSONResponse.make(.object([
            "queue": .string(worker.config.queueName), "backend": .string(worker.queue.kind), "paused": .bool(queue.paused),
            "jobs": .object(queue.counts.mapValues { .number(Double($0)) }), "tasks": .object(totals), "task_types": .object(perType),
            "oldest_waiting": oldest,
        ]))
    }

    func failedWebhooks(_ request: Request) async throws -> Response {
        let limit = try Self.integer(request.uri.queryParameters.get("limit"), name: "limit", range: 1...1000) ?? 100
        let failed = try await (worker.store as? any WebhookOutbox)?.failedDeliveries(limit: limit) ?? []
        return JSONResponse.make(["deliveries": .array(failed.map(\.json))])
    }

    func setPaused(_ paused: Bool) async throws -> Response {
        try await worker.queue.setPaused(paused)
        return JSONResponse.make(["paused": .bool(paused)])
    }

    /// Runs an action, answering its refusals as 404 and 409.
    private func acting(_ action: () async throws -> Response) async throws -> Response {
        do {
            return try await action()
        } catch let refusal as Worker.ActionRefusal {
            switch refusal {
            case .notFound(let id):
                throw Self.taskNotFound(id)
            case .conflict(let record, let code, let message):
                throw APIError(.conflict, code: code, message, details: record.map { .object(["status": .string($0.status.rawValue)]) })
            }
        }
    }

    /// `true`/`false`/`1`/`0` (nil: not given, false).
    static func flag(_ text: String?, name: String) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1", "": return true
        default: throw APIError(.badRequest, code: "invalid_query", "\(name) must be true or false")
        }
    }

    /// Seconds from `90`, `90s`, `15m`, `2h` or `7d` (nil: none of those, or not positive).
    static func duration(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var number = Substring(text)
        var unit = 1.0
        if let last = text.last, let scale = units[last] {
            number = number.dropLast()
            unit = scale
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        return value * unit
    }
}
