import Foundation
import Hummingbird
import JSON
import Logging
import ServiceLifecycle
import Synchronization

/// The worker's HTTP API. Every error is JSON (`APIError`); no input reaches a `fatalError`.
struct APIRoutes: Sendable {
    let worker: Worker
    /// The fleet's control channel (nil: commands and `/workers` are not served).
    var fleet: (any FleetChannel)?
    let startedAt = Date()
    /// What `/health` last logged, so a probe every second logs a problem once, not every time.
    let healthLog = HealthLog()
    /// Largest accepted request body.
    static let maxBodyBytes = 8 << 20

    /// Every route, with its OpenAPI operation: the router and `/openapi.json` are both made
    /// from this list.
    var catalog: [APIRoute] {
        [
            APIRoute(.get, "/health", .respond { request, _ in try await self.health(request) }, operation: #"""
                {
                 "summary": "Liveness, queue depth and task counts",
                 "security": [],
                 "responses": {
                   "200": {"description": "Healthy", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
                 }
                }
                """#),
            APIRoute(.post, "/execute", .respond { request, _ in try await self.execute(request) }, operation: #"""
                {
                 "summary": "Queue a task",
                 "parameters": [{"name": "wait", "in": "query", "required": false, "description": "Seconds (0-300) to wait for the task to finish; the finished task is returned if it does.", "schema": {"type": "number", "minimum": 0, "maximum": 300}}],
                 "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExecuteRequest"}}}},
                 "responses": {
                   "202": {"description": "Queued (or still running after wait)", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Accepted"}, {"$ref": "#/components/schemas/Task"}]}}}},
                   "200": {"description": "Finished within wait, or an existing task with the same idempotency key", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Accepted"}, {"$ref": "#/components/schemas/Task"}]}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"},
                   "413": {"$ref": "#/components/responses/Error"},
                   "422": {"$ref": "#/components/responses/Error"},
                   "503": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/task/{id}", .respond { _, context in try await self.task(id: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "A task's status, result or error",
                 "parameters": [{"$ref": "#/components/parameters/TaskId"}],
                 "responses": {
                   "200": {"description": "The task", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/task/{id}/logs", .respond { request, context in try await self.logs(request, id: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "What the plugin logged for a task, oldest first (its newest 1,000 lines are kept)",
                 "parameters": [{"$ref": "#/components/parameters/TaskId"}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000}}, {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}],
                 "responses": {
                   "200": {"description": "The lines", "content": {"application/json": {"schema": {"type": "object", "required": ["task_id", "logs", "total"], "properties": {"task_id": {"type": "string"}, "total": {"type": "integer"}, "logs": {"type": "array", "items": {"type": "object", "required": ["at", "level", "message"], "properties": {"at": {"type": "string", "format": "date-time"}, "level": {"type": "string"}, "message": {"type": "string"}}}}}}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.delete, "/task/{id}", .respond { request, context in
                let id = try context.parameters.require("id")
                return try Self.flag(request.uri.queryParameters.get("purge"), name: "purge") ? try await self.purge(id: id) : try await self.cancel(id: id)
            }, operation: #"""
                {
                 "summary": "Cancel a task; with purge=true, remove a finished one (its record and what the queue holds of it)",
                 "parameters": [{"$ref": "#/components/parameters/TaskId"}, {"name": "purge", "in": "query", "schema": {"type": "boolean", "default": false}}],
                 "responses": {
                   "200": {"description": "Cancelled (the task), or removed (purge: {task_id, removed, status})", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Task"}, {"type": "object", "required": ["task_id", "removed"], "properties": {"task_id": {"type": "string"}, "removed": {"type": "boolean"}, "status": {"type": "string"}}}]}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "202": {"description": "Cancellation requested from the worker running it", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"},
                   "409": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/tasks", .respond { request, _ in try await self.tasks(request) }, operation: #"""
                {
                 "summary": "List and search tasks, newest first",
                 "parameters": [{"name": "q", "in": "query", "description": "Words each task must have (each a prefix of a word of its task type, parameters, result or error)", "schema": {"type": "string"}}, {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}}, {"name": "task_type", "in": "query", "schema": {"type": "string"}}, {"name": "worker_id", "in": "query", "schema": {"type": "string"}}, {"name": "created_after", "in": "query", "schema": {"type": "string", "format": "date-time"}}, {"name": "created_before", "in": "query", "schema": {"type": "string", "format": "date-time"}}, {"name": "parameters.{field}", "in": "query", "description": "The parameter field (keys joined by dots) whose text equals the value", "schema": {"type": "string"}}, {"name": "cursor", "in": "query", "description": "next_cursor of the page before", "schema": {"type": "string"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}}, {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647, "default": 0}}],
                 "responses": {
                   "200": {"description": "A page of tasks", "content": {"application/json": {"schema": {"type": "object", "required": ["tasks", "total", "limit", "offset", "next_cursor"], "properties": {"tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}, "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}, "next_cursor": {"type": ["string", "null"]}}}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/plugins", .respond { _, _ in self.plugins() }, operation: #"""
                {
                 "summary": "Plugins: loaded, refused (with the reason) or disabled",
                 "responses": {
                   "200": {"description": "Plugins", "content": {"application/json": {"schema": {"type": "object", "required": ["plugins"], "properties": {"plugins": {"type": "array", "items": {"$ref": "#/components/schemas/Plugin"}}}}}}},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.post, "/plugins/{name}/reload", .respond { _, context in try await self.reload(name: context.parameters.require("name")) }, operation: #"""
                {
                 "summary": "Load a new generation of a plugin from plugins.yaml and its file; running jobs finish on the old one",
                 "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                 "responses": {
                   "200": {"description": "Reloaded, or unchanged", "content": {"application/json": {"schema": {"type": "object", "required": ["reloaded", "plugin"], "properties": {"reloaded": {"type": "boolean"}, "plugin": {"$ref": "#/components/schemas/Plugin"}}}}}},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"},
                   "422": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/events", .respond { request, _ in try self.eventStream(request) }, operation: #"""
                {
                 "summary": "Server-Sent Events of task events",
                 "parameters": [{"name": "task_id", "in": "query", "schema": {"type": "string"}}, {"name": "task_type", "in": "query", "schema": {"type": "string"}}, {"name": "conversation_id", "in": "query", "schema": {"type": "string"}}],
                 "responses": {
                   "200": {"description": "An event stream; each event's data is a TaskEvent", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/events/ws", .webSocket, operation: #"""
                {
                 "summary": "The same events over a WebSocket: one JSON text message per TaskEvent",
                 "parameters": [{"name": "task_id", "in": "query", "schema": {"type": "string"}}, {"name": "task_type", "in": "query", "schema": {"type": "string"}}, {"name": "conversation_id", "in": "query", "schema": {"type": "string"}}],
                 "responses": {
                   "101": {"description": "Switching to the WebSocket protocol"},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.post, "/conversations", .respond { request, _ in try await self.createConversation(request) }, operation: #"""
                {
                 "summary": "Create a conversation",
                 "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {"conversation_id": {"type": "string"}, "title": {"type": ["string", "null"]}, "metadata": {"type": "object"}}}}}},
                 "responses": {
                   "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conversation"}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"},
                   "409": {"$ref": "#/components/responses/Error"},
                   "422": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/conversations/{id}", .respond { _, context in try await self.conversation(id: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "A conversation",
                 "parameters": [{"$ref": "#/components/parameters/ConversationId"}],
                 "responses": {
                   "200": {"description": "The conversation", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conversation"}}}},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/conversations/{id}/messages", .respond { request, context in try await self.messages(request, conversationId: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "The conversation's last messages, oldest first",
                 "parameters": [{"$ref": "#/components/parameters/ConversationId"}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
                 "responses": {
                   "200": {"description": "Messages", "content": {"application/json": {"schema": {"type": "object", "required": ["conversation_id", "messages"], "properties": {"conversation_id": {"type": "string"}, "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}}}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.post, "/conversations/{id}/messages", .respond { request, context in try await self.appendMessage(request, conversationId: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "Append a message",
                 "parameters": [{"$ref": "#/components/parameters/ConversationId"}],
                 "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["role", "content"], "properties": {"role": {"enum": ["system", "user", "assistant", "tool"]}, "content": {"type": "string"}, "metadata": {"type": "object"}}}}}},
                 "responses": {
                   "201": {"description": "Appended", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"},
                   "422": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/metrics", .respond { _, _ in
                let text = await self.worker.metrics.scrape(self.worker)
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
            }, operation: #"""
                {
                 "summary": "Prometheus metrics (text format 0.0.4): jobs, queue, plugins, HTTP, process",
                 "responses": {
                   "200": {"description": "The metrics", "content": {"text/plain": {"schema": {"type": "string"}}}},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/openapi.json", .document, operation: #"""
                {
                 "summary": "This document",
                 "responses": {
                   "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
        ] + actionRoutes + dashboardRoutes + scheduleRoutes + flowRoutes + fleetRoutes
    }

    func register(on router: Router<BasicRequestContext>) {
        let routes = catalog
        let document = OpenAPIDocument.make(routes)
        for route in routes {
            switch route.handler {
            case .respond(let respond): router.on(RouterPath(route.routerPath), method: route.method, use: respond)
            case .document: router.on(RouterPath(route.routerPath), method: route.method) { _, _ in JSONResponse.make(document) }
            case .webSocket: break
            }
        }
    }

    // MARK: - Conversations

    func createConversation(_ request: Request) async throws -> Response {
        let fields = try await Self.objectBody(request)
        let conversation: Conversation
        do {
            conversation = try StoreServices.newConversation(fields)
        } catch let failure as StoreServices.Failure {
            throw APIError(.unprocessableContent, code: "invalid_request", failure.message)
        }
        if try await worker.store.conversation(id: conversation.id) != nil {
            throw APIError(.conflict, code: "conversation_exists", "a conversation with id \(conversation.id) already exists")
        }
        return JSONResponse.make(try await worker.store.createConversation(conversation).json, status: .created)
    }

    func conversation(id: String) async throws -> Response {
        guard let conversation = try await worker.store.conversation(id: id) else { throw Self.conversationNotFound(id) }
        return JSONResponse.make(conversation.json)
    }

    func messages(_ request: Request, conversationId: String) async throws -> Response {
        let limit = try Self.integer(request.uri.queryParameters.get("limit"), name: "limit", range: 1...1000) ?? 100
        do {
            let messages = try await worker.store.messages(conversationId: conversationId, limit: limit)
            return JSONResponse.make(["conversation_id": .string(conversationId), "messages": .array(messages.map(\.json))])
        } catch is ConversationNotFound {
            throw Self.conversationNotFound(conversationId)
        }
    }

    func appendMessage(_ request: Request, conversationId: String) async throws -> Response {
        var fields = try await Self.objectBody(request)
        fields["conversation_id"] = .string(conversationId)
        do {
            let message = try await worker.store.appendMessage(try StoreServices.newMessage(fields))
            return JSONResponse.make(message.json, status: .created)
        } catch let failure as StoreServices.Failure {
            throw APIError(.unprocessableContent, code: "invalid_request", failure.message)
        } catch is ConversationNotFound {
            throw Self.conversationNotFound(conversationId)
        }
    }

    static func conversationNotFound(_ id: String) -> APIError {
        APIError(.notFound, code: "conversation_not_found", "no conversation with id \(id)")
    }

    static func objectBody(_ request: Request) async throws -> [String: JSONValue] {
        guard case .object(let fields) = try await jsonBody(request) else {
            throw APIError(.badRequest, code: "invalid_body", "the body must be a JSON object")
        }
        return fields
    }

    // MARK: - Handlers

    /// Always 200 while the process serves: `status` is `ok`, or `degraded` with a fixed
    /// `reason` code (`queue_unreachable`, `store_unreachable`, `store_writes_failing`) so probes
    /// and people can tell. The backends' own error text (host names, SQL) is in the log, and in
    /// `details` only for callers with the API key (or when none is set).
    func health(_ request: Request) async throws -> Response {
        var problems: [(code: String, detail: String)] = []
        var depth = (waiting: 0, active: 0)
        var counts: [TaskStatus: Int] = [:]
        do {
            depth = try await worker.queue.depth()
        } catch {
            problems.append(("queue_unreachable", "queue unreachable: \(error)"))
        }
        do {
            counts = try await worker.store.counts()
        } catch {
            problems.append(("store_unreachable", "store unreachable: \(error)"))
        }
        if let problem = worker.storeProblem { problems.append(("store_writes_failing", problem)) }
        healthLog.note(problems.map(\.detail), logger: worker.logger)
        var body: [String: JSONValue] = [
            "status": .string(problems.isEmpty ? "ok" : "degraded"),
            "reason": problems.isEmpty ? .null : .string(problems.map(\.code).joined(separator: ",")),
            "version": .string(UvianVersion.current),
            "worker_id": .string(worker.config.workerId),
            "uptime_s": .number((Date().timeIntervalSince(startedAt) * 1000).rounded() / 1000),
            "backends": .object(["queue": .string(worker.queue.kind), "store": .string(worker.store.kind)]),
            "queue": .object(["waiting": .number(Double(depth.waiting)), "active": .number(Double(depth.active))]),
            "tasks": .object(Dictionary(uniqueKeysWithValues: TaskStatus.allCases.map { ($0.rawValue, JSONValue.number(Double(counts[$0] ?? 0))) })),
            "running": .number(Double(worker.activeCount)),
            "plugins": .object([
                "loaded": .number(Double(worker.registry.loaded.count)),
                "refused": .number(Double(worker.registry.refused.count)),
            ]),
        ]
        if !problems.isEmpty, BearerToken.authorizes(request, apiKey: worker.config.apiKey) {
            body["details"] = .array(problems.map { .string($0.detail) })
        }
        return JSONResponse.make(.object(body))
    }

    func execute(_ request: Request) async throws -> Response {
        let wait = try Self.waitSeconds(request)
        let body = try await Self.jsonBody(request)
        guard case .object(let fields) = body else {
            throw APIError(.badRequest, code: "invalid_body", "the body must be a JSON object {\"task_type\", \"parameters\", \"options\"}")
        }
        guard let taskType = fields["task_type"]?.stringValue, !taskType.isEmpty else {
            throw APIError(.unprocessableContent, code: "invalid_request", "task_type is required and must be a non-empty string",
                           details: .object(["field": "task_type"]))
        }
        if let unknown = fields.keys.sorted().first(where: { !["task_type", "parameters", "options"].contains($0) }) {
            throw APIError(.unprocessableContent, code: "invalid_request", "unknown field '\(unknown)': expected task_type, parameters, options",
                           details: .object(["field": .string(unknown)]))
        }
        let parameters = fields["parameters"] ?? .object([:])
        guard parameters.objectValue != nil else {
            throw APIError(.unprocessableContent, code: "invalid_parameters", "parameters must be a JSON object", details: .object(["field": "parameters"]))
        }
        let options: JobOptions
        do {
            options = try JobOptions(json: fields["options"])
        } catch {
            throw APIError(.unprocessableContent, code: "invalid_options", "\(error.field) \(error.message)", details: .object(["field": .string(error.field)]))
        }

        let record: TaskRecord
        let created: Bool
        do {
            if let wait, wait > 0 {
                (record, created) = try await worker.submitAndWait(taskType: taskType, parameters: parameters, options: options, timeout: wait)
            } else {
                (record, created) = try await worker.submit(taskType: taskType, parameters: parameters, options: options)
            }
        } catch let error as Worker.SubmitError {
            throw Self.apiError(error)
        }

        if let wait, wait > 0 {
            return JSONResponse.make(record.json, status: record.status.isFinished ? .ok : .accepted)
        }
        var answer: [String: JSONValue] = ["task_id": .string(record.id), "status": .string(record.status.rawValue)]
        if !created { answer["existing"] = true }
        return JSONResponse.make(.object(answer), status: created ? .accepted : .ok)
    }

    func task(id: String) async throws -> Response {
        guard let record = try await worker.store.get(id: id) else { throw Self.taskNotFound(id) }
        guard case .object(var fields) = record.json else { return JSONResponse.make(record.json) }
        // A flow's parent lists its children (those with a record: a BullMQ producer's children
        // have one once they start).
        let children = try await worker.store.children(of: id)
        fields["children"] = .array(children.map { child in
            .object(["task_id": .string(child.id), "task_type": .string(child.taskType), "status": .string(child.status.rawValue)])
        })
        // Where its record was POSTed, and how that went.
        if let outbox = worker.store as? any WebhookOutbox {
            fields["webhooks"] = .array(try await outbox.deliveries(taskId: id).map(\.json))
        }
        return JSONResponse.make(.object(fields))
    }

    func logs(_ request: Request, id: String) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try Self.integer(query.get("limit"), name: "limit", range: 1...TaskLogLine.maxPerTask) ?? TaskLogLine.maxPerTask
        let offset = try Self.integer(query.get("offset"), name: "offset", range: 0...Int(Int32.max)) ?? 0
        let (lines, total) = try await worker.store.logs(id: id, limit: limit, offset: offset)
        if total == 0, try await worker.store.get(id: id) == nil { throw Self.taskNotFound(id) }
        return JSONResponse.make(.object(["task_id": .string(id), "total": .number(Double(total)), "logs": .array(lines.map(\.json))]))
    }

    func cancel(id: String) async throws -> Response {
        switch try await worker.cancel(id: id) {
        case .notFound:
            throw Self.taskNotFound(id)
        case .alreadyFinished(let record):
            throw APIError(.conflict, code: "task_finished", "task \(id) already \(record.status.rawValue); it cannot be cancelled",
                           details: .object(["status": .string(record.status.rawValue)]))
        case .accepted(let record):
            return JSONResponse.make(record.json, status: record.status.isFinished ? .ok : .accepted)
        }
    }

    func tasks(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = TaskQuery()
        if let status = query.get("status") {
            guard let value = TaskStatus(rawValue: status) else {
                throw APIError(.badRequest, code: "invalid_query", "status must be one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.status = value
        }
        filter.taskType = query.get("task_type")
        filter.workerId = query.get("worker_id")
        filter.limit = try Self.integer(query.get("limit"), name: "limit", range: 1...1000) ?? 50
        filter.offset = try Self.integer(query.get("offset"), name: "offset", range: 0...Int(Int32.max)) ?? 0
        if let text = query.get("q") {
            guard let search = TaskSearch(text) else {
                throw APIError(.badRequest, code: "invalid_query", "q has no word to search for (letters or digits)")
            }
            filter.search = search
        }
        filter.createdAfter = try Self.time(query.get("created_after"), name: "created_after")
        filter.createdBefore = try Self.time(query.get("created_before"), name: "created_before")
        for (name, value) in query where name.hasPrefix("parameters.") {
            guard let match = TaskSearch.FieldMatch(path: name.dropFirst("parameters.".count).split(separator: ".", omittingEmptySubsequences: false).map(String.init),
                                                    value: String(value)) else {
                throw APIError(.badRequest, code: "invalid_query",
                               "\(name): a field's path is keys of letters, digits, _ and - joined by dots (at most 8)")
            }
            filter.parameterEquals.append(match)
        }
        if let cursor = query.get("cursor") {
            guard let after = TaskSearch.Cursor(token: cursor) else {
                throw APIError(.badRequest, code: "invalid_query", "cursor is not one this API gave (next_cursor of a page)")
            }
            filter.after = after
        }
        let page = try await worker.store.list(filter)
        let next = page.tasks.count == filter.limit ? page.tasks.last.map { TaskSearch.Cursor(id: $0.id, createdAt: $0.createdAt).token } : nil
        return JSONResponse.make(.object([
            "tasks": .array(page.tasks.map(\.json)),
            "total": .number(Double(page.total)),
            "limit": .number(Double(filter.limit)),
            "offset": .number(Double(filter.offset)),
            "next_cursor": next.map { .string($0) } ?? .null,
        ]))
    }

    /// An RFC 3339 time query parameter (nil: not given).
    static func time(_ text: String?, name: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = ISO8601.parse(text) else {
            throw APIError(.badRequest, code: "invalid_query", "\(name) must be an RFC 3339 time, e.g. 2026-12-06T10:00:00Z")
        }
        return date
    }

    func plugins() -> Response {
        JSONResponse.make(.object(["plugins": .array(PluginListing.entries(worker.registry))]))
    }

    /// Loads a new generation of the plugin from plugins.yaml and its file; running jobs finish
    /// on the old one.
    func reload(name: String) async throws -> Response {
        let file: PluginsFile
        do {
            file = try PluginsFile.load(path: worker.config.pluginsConfig)
        } catch {
            throw APIError(.unprocessableContent, code: "invalid_plugins_file", error.description)
        }
        func entry() -> JSONValue {
            PluginListing.entries(worker.registry).first { $0["name"]?.stringValue == name } ?? .null
        }
        switch await worker.registry.reload(name, from: file) {
        case .unknown:
            throw APIError(.notFound, code: "unknown_plugin", "plugin '\(name)' is not in \(worker.config.pluginsConfig)")
        case .failed(let error):
            throw APIError(.unprocessableContent, code: "reload_failed", "the new version was refused; the old one keeps serving: \(error.reason)",
                           details: .object(["plugin": entry()]))
        case .unchanged:
            return JSONResponse.make(["reloaded": false, "plugin": entry()])
        case .reloaded:
            return JSONResponse.make(["reloaded": true, "plugin": entry()])
        }
    }

    /// Server-Sent Events of task events, optionally for one task or task type.
    func eventStream(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let (taskId, taskType, conversationId) = (query.get("task_id"), query.get("task_type"), query.get("conversation_id"))
        let stream = worker.events.subscribe { event in
            event.matches(taskId: taskId, taskType: taskType, conversationId: conversationId)
        }
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ": connected\n\n"))
            for await event in stream.cancelOnGracefulShutdown() {
                let line = "event: \(event.type)\ndata: \(event.serializedJSON)\n\n"
                try await writer.write(ByteBuffer(string: line))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    // MARK: - Input helpers

    static func jsonBody(_ request: Request) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            // The rest of the body is not read: the connection is closed after this answer.
            throw APIError(.contentTooLarge, code: "body_too_large", "the body exceeds \(maxBodyBytes) bytes", headers: [.connection: "close"])
        }
        guard buffer.readableBytes > 0 else {
            throw APIError(.badRequest, code: "malformed_json", "the body is empty; expected a JSON object")
        }
        do {
            return try JSONValue.parse(buffer.readableBytesView)
        } catch {
            throw APIError(.badRequest, code: "malformed_json", "the body is not valid JSON: \(error)")
        }
    }

    static func waitSeconds(_ request: Request) throws -> Double? {
        try seconds(request.uri.queryParameters.get("wait"), name: "wait", range: 0...300)
    }

    /// A query parameter of seconds within `range` (nil: not given).
    static func seconds(_ text: String?, name: String, range: ClosedRange<Double>) throws -> Double? {
        guard let text else { return nil }
        guard let value = Double(text), range.contains(value) else {
            throw APIError(.badRequest, code: "invalid_query", "\(name) must be a number of seconds from "
                           + String(format: "%g to %g", range.lowerBound, range.upperBound))
        }
        return value
    }

    static func integer(_ text: String?, name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(.badRequest, code: "invalid_query", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A submit's refusal (unknown task type, parameters the schema refuses) as the API answers it.
    static func apiError(_ error: Worker.SubmitError) -> APIError {
        switch error {
        case .unknownTaskType(let name, let available):
            return APIError(.notFound, code: "unknown_task_type", "no plugin provides task type '\(name)'",
                            details: .object(["task_type": .string(name), "available": .array(available.map { .string($0) })]))
        case .invalidParameters(let violations):
            let first = violations.first.map { "\($0.field(under: "parameters")) \($0.message)" } ?? "invalid"
            return APIError(.unprocessableContent, code: "invalid_parameters", "invalid parameters: \(first)",
                            details: .object(["violations": .array(violations.map {
                                .object(["field": .string($0.field(under: "parameters")), "path": .string($0.path), "message": .string($0.message)])
                            })]))
        }
    }

    static func taskNotFound(_ id: String) -> APIError {
        APIError(.notFound, code: "task_not_found", "no task with id \(id)")
    }
}

/// Logs `/health`'s problems when they change (and once when they clear).
final class HealthLog: Sendable {
    private let last = Mutex<[String]>([])

    func note(_ problems: [String], logger: Logger) {
        let changed = last.withLock { last in
            defer { last = problems }
            return last != problems
        }
        guard changed else { return }
        if problems.isEmpty {
            logger.notice("health.ok")
        } else {
            logger.warning("health.degraded", metadata: ["health.problems": "\(problems.joined(separator: "; "))"])
        }
    }
}
