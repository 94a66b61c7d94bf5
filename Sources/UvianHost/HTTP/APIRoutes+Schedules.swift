import Foundation
import Hummingbird
import JSON

/// `/schedules`: recurring tasks kept by the queue's backend (BullMQ's job schedulers on Redis).
extension APIRoutes {
    var scheduleRoutes: [APIRoute] {
        [
            APIRoute(.get, "/schedules", .respond { _, _ in try await self.schedules() }, operation: #"""
                {
                 "summary": "Every schedule, the soonest next run first",
                 "responses": {
                   "200": {"description": "Schedules", "content": {"application/json": {"schema": {"type": "object", "required": ["schedules"], "properties": {"schedules": {"type": "array", "items": {"$ref": "#/components/schemas/Schedule"}}}}}}},
                   "401": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.put, "/schedules/{id}", .respond { request, context in try await self.upsertSchedule(request, id: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "Create or replace a schedule (every N ms, or a cron expression in a time zone)",
                 "parameters": [{"$ref": "#/components/parameters/ScheduleId"}],
                 "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScheduleRequest"}}}},
                 "responses": {
                   "200": {"description": "Replaced", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Schedule"}}}},
                   "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Schedule"}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"},
                   "422": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.get, "/schedules/{id}", .respond { _, context in try await self.schedule(id: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "A schedule: its next runs, iteration count and last task",
                 "parameters": [{"$ref": "#/components/parameters/ScheduleId"}],
                 "responses": {
                   "200": {"description": "The schedule", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Schedule"}}}},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.delete, "/schedules/{id}", .respond { _, context in try await self.removeSchedule(id: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "Remove a schedule and its pending run (a run already started goes on)",
                 "parameters": [{"$ref": "#/components/parameters/ScheduleId"}],
                 "responses": {
                   "200": {"description": "Removed", "content": {"application/json": {"schema": {"type": "object", "required": ["id", "removed"], "properties": {"id": {"type": "string"}, "removed": {"type": "boolean"}}}}}},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
            APIRoute(.post, "/schedules/{id}/trigger", .respond { _, context in try await self.triggerSchedule(id: context.parameters.require("id")) }, operation: #"""
                {
                 "summary": "Run a schedule's task now, once (its runs keep their times)",
                 "parameters": [{"$ref": "#/components/parameters/ScheduleId"}],
                 "responses": {
                   "202": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
        ]
    }

    func schedules() async throws -> Response {
        let all = try await schedulesCall { try await self.worker.schedules() }
        return JSONResponse.make(["schedules": .array(all.map(\.json))])
    }

    func upsertSchedule(_ request: Request, id: String) async throws -> Response {
        let body = try await Self.jsonBody(request)
        let schedule: Schedule
        do {
            schedule = try Schedule(id: id, json: body)
        } catch {
            throw APIError(.unprocessableContent, code: "invalid_schedule", "\(error.field) \(error.message)", details: .object(["field": .string(error.field)]))
        }
        let existed = try await schedulesCall { try await self.worker.schedule(id: id) } != nil
        do {
            let status = try await schedulesCall { try await self.worker.upsertSchedule(schedule) }
            return JSONResponse.make(status.json, status: existed ? .ok : .created)
        } catch let error as Worker.SubmitError {
            throw Self.apiError(error)
        }
    }

    func schedule(id: String) async throws -> Response {
        guard let status = try await schedulesCall({ try await self.worker.schedule(id: id) }) else { throw Self.scheduleNotFound(id) }
        return JSONResponse.make(status.json)
    }

    func removeSchedule(id: String) async throws -> Response {
        guard try await schedulesCall({ try await self.worker.removeSchedule(id: id) }) else { throw Self.scheduleNotFound(id) }
        return JSONResponse.make(["id": .string(id), "removed": true])
    }

    func triggerSchedule(id: String) async throws -> Response {
        do {
            let record = try await schedulesCall { try await self.worker.triggerSchedule(id: id) }
            return JSONResponse.make(record.json, status: .accepted)
        } catch let error as Worker.SubmitError {
            throw Self.apiError(error)
        }
    }

    /// A schedules call, its backend's refusals as API errors.
    private func schedulesCall<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch Worker.ScheduleError.unsupported {
            throw APIError(.notImplemented, code: "schedules_unsupported", "this queue backend keeps no schedules")
        } catch Worker.ScheduleError.notFound(let id) {
            throw Self.scheduleNotFound(id)
        }
    }

    static func scheduleNotFound(_ id: String) -> APIError {
        APIError(.notFound, code: "schedule_not_found", "no schedule with id \(id)")
    }
}
