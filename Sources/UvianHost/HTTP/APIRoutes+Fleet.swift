import Foundation
import Hummingbird
import JSON

/// `POST /control/{command}` and `GET /workers`: commands to every worker of the fleet, and who is there.
extension APIRoutes {
    var fleetRoutes: [APIRoute] {
        [
            APIRoute(.post, "/control/{command}", .respond { request, context in
                try await self.control(request, command: context.parameters.require("command"))
            }, operation: #"""
                {
                 "summary": "Send a command to every worker and gather their answers: task.cancel {task_id}, plugins.reload {name?}, queue.pause, queue.resume, worker.drain {worker_id?}, worker.resume {worker_id?}",
                 "parameters": [{"name": "command", "in": "path", "required": true, "schema": {"enum": ["task.cancel", "plugins.reload", "queue.pause", "queue.resume", "worker.drain", "worker.resume"]}},
                                {"name": "timeout", "in": "query", "required": false, "description": "Seconds (0.1-30, default 2) to wait for the workers' answers", "schema": {"type": "number"}}],
                 "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object"}}}},
                 "responses": {
                   "200": {"description": "Sent; the answers that came in time", "content": {"application/json": {"schema": {"type": "object", "required": ["command", "command_id", "replies"], "properties": {"command": {"type": "string"}, "command_id": {"type": "string"}, "expected": {"type": "integer"}, "replies": {"type": "array", "items": {"type": "object", "properties": {"worker_id": {"type": "string"}, "ok": {"type": "boolean"}, "result": {}, "error": {}}}}}}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"},
                   "422": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/workers", .respond { _, _ in try await self.workers() }, operation: #"""
                {
                 "summary": "The live workers (a heartbeat within three intervals): id, host, pid, version, running jobs, plugins and generations",
                 "responses": {
                   "200": {"description": "Workers", "content": {"application/json": {"schema": {"type": "object", "required": ["workers"], "properties": {"workers": {"type": "array", "items": {"type": "object"}}}}}}},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
        ]
    }

    private var fleetChannel: any FleetChannel {
        get throws {
            guard let fleet else { throw APIError(.notImplemented, code: "fleet_unsupported", "this worker has no control channel") }
            return fleet
        }
    }

    func control(_ request: Request, command: String) async throws -> Response {
        guard ControlMessage.commands.contains(command) else {
            throw APIError(.notFound, code: "unknown_command", "no command \(command)",
                           details: .object(["commands": .array(ControlMessage.commands.sorted().map { .string($0) })]))
        }
        let timeout = try Self.seconds(request.uri.queryParameters.get("timeout"), name: "timeout", range: 0.1...30) ?? 2
        var arguments: [String: JSONValue] = [:]
        if request.head.method == .post, let length = request.headers[.contentLength], length != "0" {
            arguments = try await Self.objectBody(request)
        }
        var answer: [String: JSONValue] = [:]
        switch command {
        case "task.cancel":
            guard let id = arguments["task_id"]?.stringValue, !id.isEmpty else {
                throw APIError(.unprocessableContent, code: "invalid_request", "task_id is required", details: .object(["field": "task_id"]))
            }
            // Flags it in the queue too (or removes it when it waits), so it is cancelled whoever answers.
            // The command sent below is the fleet's one message about it.
            switch try await worker.cancel(id: id, tellingFleet: false) {
            case .notFound:
                // Not in this worker's store (with Redis, each worker may keep its own): the queue
                // flags it for whichever worker holds it, and the command reaches that worker.
                answer["task"] = .null
                answer["queue"] = .string("\(try await worker.queue.cancel(id: id))")
            case .alreadyFinished(let record): answer["task"] = record.json
            case .accepted(let record): answer["task"] = record.json
            }
        case "queue.pause", "queue.resume":
            arguments["queue"] = .string(worker.config.queueName)
        default:
            break
        }
        let sent = try await FleetControl.send(command, arguments: .object(arguments), via: fleetChannel, config: worker.config,
                                               timeout: .milliseconds(Int64(timeout * 1000)))
        answer["command"] = .string(command)
        answer["command_id"] = .string(sent.message.id)
        answer["expected"] = .number(Double(sent.expected))
        answer["replies"] = .array(sent.replies.map(\.json))
        return JSONResponse.make(.object(answer))
    }

    func workers() async throws -> Response {
        let live = try await fleetChannel.workers(liveWithin: .milliseconds(worker.config.heartbeatIntervalMs * 3))
        return JSONResponse.make(["workers": .array(live.map(\.json))])
    }

}
