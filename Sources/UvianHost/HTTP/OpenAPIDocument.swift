import Hummingbird
import JSON

/// The OpenAPI 3.1 document served at `/openapi.json`: its paths are made from the route catalog
/// (`APIRoutes.catalog`, the same list the router is built from); the shared schemas are below.
enum OpenAPIDocument {
    static func make(_ routes: [APIRoute]) -> JSONValue {
        guard case .object(var document) = base else { preconditionFailure("OpenAPIDocument.base is not an object") }
        var paths: [String: JSONValue] = [:]
        for route in routes {
            var operations = paths[route.path]?.objectValue ?? [:]
            operations[route.method.rawValue.lowercased()] = route.operation
            paths[route.path] = .object(operations)
        }
        document["paths"] = .object(paths)
        return .object(document)
    }

    /// Everything but the paths.
    static let base: JSONValue = {
        do {
            return try JSONValue.parse(text)
        } catch {
            preconditionFailure("OpenAPIDocument.text is not valid JSON: \(error)")
        }
    }()

    static let text = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Uvian Worker", "version": "0.1.0", "description": "Background-job worker: queue a task for a plugin, follow it, read its result."},
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "Required when the worker has API_KEY set"}},
        "parameters": {"TaskId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, "ConversationId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, "ScheduleId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"}}},
        "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        "schemas": {
          "Status": {"type": "string", "enum": ["pending", "processing", "completed", "failed", "cancelled"]},
          "ExecuteRequest": {"type": "object", "required": ["task_type"], "additionalProperties": false, "properties": {"task_type": {"type": "string", "minLength": 1}, "parameters": {"type": "object", "description": "Validated against the task type's JSON Schema (see /plugins)"}, "options": {"type": "object", "additionalProperties": false, "properties": {"attempts": {"type": "integer", "minimum": 1, "maximum": 1000}, "backoff": {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "object", "required": ["type"], "properties": {"type": {"enum": ["fixed", "exponential"]}, "delay": {"type": "integer", "minimum": 0}, "jitter": {"type": "number", "minimum": 0, "maximum": 1}}}]}, "delay_ms": {"type": "integer", "minimum": 0}, "priority": {"type": "integer", "minimum": 0, "maximum": 2097152}, "timeout_s": {"type": "number", "exclusiveMinimum": 0}, "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 256}}}}},
          "Accepted": {"type": "object", "required": ["task_id", "status"], "properties": {"task_id": {"type": "string"}, "status": {"$ref": "#/components/schemas/Status"}, "existing": {"type": "boolean"}}},
          "FlowNode": {"type": "object", "required": ["task_type"], "additionalProperties": false, "properties": {"task_type": {"type": "string", "minLength": 1}, "parameters": {"type": "object"}, "options": {"type": "object", "description": "As ExecuteRequest's options (no idempotency_key), and for a child at most one of fail_parent_on_failure, continue_parent_on_failure, ignore_dependency_on_failure, remove_dependency_on_failure (BullMQ's child options)"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/FlowNode"}}}},
          "FlowIds": {"type": "object", "required": ["task_id", "task_type", "children"], "properties": {"task_id": {"type": "string"}, "task_type": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/FlowIds"}}}},
          "ScheduleRequest": {"type": "object", "required": ["task_type"], "additionalProperties": false, "description": "Exactly one of every and cron.", "properties": {"task_type": {"type": "string", "minLength": 1}, "parameters": {"type": "object"}, "options": {"type": "object", "description": "As ExecuteRequest's options, without delay_ms and idempotency_key"}, "every": {"type": "integer", "minimum": 1, "description": "Milliseconds between runs"}, "offset": {"type": "integer", "minimum": 0, "description": "Runs at this many ms past each multiple of every"}, "cron": {"type": "string", "description": "5 or 6 fields (seconds first), names, ranges, steps, L, nL, n#k"}, "tz": {"type": "string", "description": "IANA time zone of cron (default UTC)"}, "start_date": {"type": ["string", "integer"]}, "end_date": {"type": ["string", "integer"]}, "limit": {"type": "integer", "minimum": 1}}},
          "Schedule": {"type": "object", "required": ["id", "task_type", "parameters", "options", "next_run_at", "upcoming_runs", "iteration_count"], "properties": {"id": {"type": "string"}, "task_type": {"type": "string"}, "parameters": {"type": "object"}, "options": {"type": "object"}, "every": {"type": "integer"}, "offset": {"type": "integer"}, "cron": {"type": "string"}, "tz": {"type": "string"}, "start_date": {"type": "string", "format": "date-time"}, "end_date": {"type": "string", "format": "date-time"}, "limit": {"type": "integer"}, "next_run_at": {"type": ["string", "null"], "format": "date-time"}, "next_task_id": {"type": ["string", "null"]}, "upcoming_runs": {"type": "array", "items": {"type": "string", "format": "date-time"}}, "iteration_count": {"type": "integer"}, "last_task_id": {"type": ["string", "null"]}}},
          "Task": {"type": "object", "required": ["task_id", "task_type", "status", "result", "error", "progress", "attempts", "created_at"], "properties": {"task_id": {"type": "string"}, "task_type": {"type": "string"}, "queue": {"type": "string"}, "status": {"$ref": "#/components/schemas/Status"}, "parameters": {"type": "object"}, "options": {"type": "object"}, "result": {}, "error": {"type": ["string", "null"]}, "progress": {"type": "number", "minimum": 0, "maximum": 1}, "attempts": {"type": "integer"}, "max_attempts": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"}, "started_at": {"type": ["string", "null"], "format": "date-time"}, "finished_at": {"type": ["string", "null"], "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}, "run_at": {"type": ["string", "null"], "format": "date-time"}, "worker_id": {"type": ["string", "null"]}, "parent_id": {"type": ["string", "null"], "description": "A flow's child: its parent's task id"}, "children": {"type": "array", "description": "A flow's parent (GET /task/{id}): its children with a record", "items": {"type": "object", "properties": {"task_id": {"type": "string"}, "task_type": {"type": "string"}, "status": {"$ref": "#/components/schemas/Status"}}}}, "schedule": {"type": ["object", "null"], "description": "The schedule that made the task: its id, the run's time, and the runs missed while none could start", "properties": {"id": {"type": "string"}, "scheduled_at": {"type": "string", "format": "date-time"}, "missed": {"type": "integer"}}}}},
          "TaskEvent": {"type": "object", "required": ["event", "task_id", "task_type", "timestamp", "data"], "properties": {"event": {"type": "string"}, "task_id": {"type": "string"}, "task_type": {"type": "string"}, "timestamp": {"type": "string", "format": "date-time"}, "data": {}}},
          "Plugin": {"type": "object", "required": ["name", "state"], "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "description": {"type": "string"}, "file": {"type": ["string", "null"]}, "state": {"enum": ["loaded", "refused", "disabled"]}, "error": {"type": ["string", "null"]}, "runtime": {"type": "string"}, "abi": {"type": "string"}, "isolation": {"type": "string"}, "generation": {"type": "integer"}, "sha256": {"type": "string"}, "in_flight": {"type": "integer"}, "draining": {"type": "integer"}, "leaked": {"type": "integer"}, "last_reload_error": {"type": ["string", "null"]}, "max_concurrency": {"type": ["integer", "null"]}, "timeout_s": {"type": ["number", "null"]}, "task_types": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "description": {"type": ["string", "null"]}, "params_schema": {}, "max_concurrency": {"type": ["integer", "null"]}}}}}},
          "Health": {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["ok", "degraded"]}, "reason": {"type": ["string", "null"], "description": "Comma-separated codes: queue_unreachable, store_unreachable, store_writes_failing"}, "details": {"type": "array", "items": {"type": "string"}, "description": "The backends' own messages: only with the API key (or when none is set)"}}},
          "Conversation": {"type": "object", "required": ["conversation_id", "metadata", "created_at", "updated_at"], "properties": {"conversation_id": {"type": "string"}, "title": {"type": ["string", "null"]}, "metadata": {"type": "object"}, "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}},
          "Message": {"type": "object", "required": ["message_id", "conversation_id", "seq", "role", "content", "metadata", "created_at"], "properties": {"message_id": {"type": "string"}, "conversation_id": {"type": "string"}, "seq": {"type": "integer"}, "role": {"type": "string"}, "content": {"type": "string"}, "metadata": {"type": "object"}, "created_at": {"type": "string", "format": "date-time"}}},
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}}
        }
      },
      "security": [{}, {"bearer": []}]
    }
    """#
}
