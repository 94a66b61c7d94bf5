/// The OpenAPI 3.1 description of the routes in `APIRoutes`, served at `/openapi.json`.
enum OpenAPIDocument {
    static let json: JSONValue = {
        do {
            return try JSONValue.parse(text)
        } catch {
            preconditionFailure("OpenAPIDocument.text is not valid JSON: \(error)")
        }
    }()

    static let text = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Uvian Worker", "version": "0.1.0",
               "description": "Background-job worker: queue a task for a plugin, follow it, read its result."},
      "paths": {
        "/health": {"get": {"summary": "Liveness, queue depth and task counts", "security": [],
          "responses": {"200": {"description": "Healthy", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}}},
        "/execute": {"post": {"summary": "Queue a task",
          "parameters": [{"name": "wait", "in": "query", "required": false,
                          "description": "Seconds (0-300) to wait for the task to finish; the finished task is returned if it does.",
                          "schema": {"type": "number", "minimum": 0, "maximum": 300}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExecuteRequest"}}}},
          "responses": {
            "202": {"description": "Queued (or still running after wait)", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Accepted"}, {"$ref": "#/components/schemas/Task"}]}}}},
            "200": {"description": "Finished within wait, or an existing task with the same idempotency key", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Accepted"}, {"$ref": "#/components/schemas/Task"}]}}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "413": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"}}}},
        "/task/{id}": {
          "get": {"summary": "A task's status, result or error",
            "parameters": [{"$ref": "#/components/parameters/TaskId"}],
            "responses": {"200": {"description": "The task", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}},
                          "401": {"$ref": "#/components/responses/Error"},
                          "404": {"$ref": "#/components/responses/Error"}}},
          "delete": {"summary": "Cancel a task",
            "parameters": [{"$ref": "#/components/parameters/TaskId"}],
            "responses": {"200": {"description": "Cancelled", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}},
                          "202": {"description": "Cancellation requested from the worker running it", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}},
                          "401": {"$ref": "#/components/responses/Error"},
                          "404": {"$ref": "#/components/responses/Error"},
                          "409": {"$ref": "#/components/responses/Error"}}}},
        "/tasks": {"get": {"summary": "List tasks, newest first",
          "parameters": [
            {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}},
            {"name": "task_type", "in": "query", "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}},
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647, "default": 0}}],
          "responses": {"200": {"description": "A page of tasks", "content": {"application/json": {"schema": {
              "type": "object", "required": ["tasks", "total", "limit", "offset"],
              "properties": {"tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                             "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}}}}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"}}}},
        "/plugins": {"get": {"summary": "Plugins: loaded, refused (with the reason) or disabled",
          "responses": {"200": {"description": "Plugins", "content": {"application/json": {"schema": {
              "type": "object", "required": ["plugins"],
              "properties": {"plugins": {"type": "array", "items": {"$ref": "#/components/schemas/Plugin"}}}}}}},
            "401": {"$ref": "#/components/responses/Error"}}}},
        "/events": {"get": {"summary": "Server-Sent Events of task events",
          "parameters": [{"name": "task_id", "in": "query", "schema": {"type": "string"}},
                         {"name": "task_type", "in": "query", "schema": {"type": "string"}}],
          "responses": {"200": {"description": "An event stream; each event's data is a TaskEvent",
                                "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                        "401": {"$ref": "#/components/responses/Error"}}}},
        "/conversations": {"post": {"summary": "Create a conversation",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
            "properties": {"conversation_id": {"type": "string"}, "title": {"type": ["string", "null"]}, "metadata": {"type": "object"}}}}}},
          "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conversation"}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
                        "409": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/conversations/{id}": {"get": {"summary": "A conversation",
          "parameters": [{"$ref": "#/components/parameters/ConversationId"}],
          "responses": {"200": {"description": "The conversation", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conversation"}}}},
                        "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/conversations/{id}/messages": {
          "get": {"summary": "The conversation's last messages, oldest first",
            "parameters": [{"$ref": "#/components/parameters/ConversationId"},
                           {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
            "responses": {"200": {"description": "Messages", "content": {"application/json": {"schema": {"type": "object", "required": ["conversation_id", "messages"],
                            "properties": {"conversation_id": {"type": "string"}, "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}}}}}},
                          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
                          "404": {"$ref": "#/components/responses/Error"}}},
          "post": {"summary": "Append a message",
            "parameters": [{"$ref": "#/components/parameters/ConversationId"}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["role", "content"],
              "properties": {"role": {"enum": ["system", "user", "assistant", "tool"]}, "content": {"type": "string"}, "metadata": {"type": "object"}}}}}},
            "responses": {"201": {"description": "Appended", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
                          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
                          "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/openapi.json": {"get": {"summary": "This document",
          "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "401": {"$ref": "#/components/responses/Error"}}}}
      },
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "Required when the worker has API_KEY set"}},
        "parameters": {"TaskId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                       "ConversationId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}},
        "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        "schemas": {
          "Status": {"type": "string", "enum": ["pending", "processing", "completed", "failed", "cancelled"]},
          "ExecuteRequest": {"type": "object", "required": ["task_type"], "additionalProperties": false,
            "properties": {
              "task_type": {"type": "string", "minLength": 1},
              "parameters": {"type": "object", "description": "Validated against the task type's JSON Schema (see /plugins)"},
              "options": {"type": "object", "additionalProperties": false, "properties": {
                "attempts": {"type": "integer", "minimum": 1, "maximum": 1000},
                "backoff": {"oneOf": [{"type": "integer", "minimum": 0},
                  {"type": "object", "required": ["type"], "properties": {"type": {"enum": ["fixed", "exponential"]}, "delay": {"type": "integer", "minimum": 0}, "jitter": {"type": "number", "minimum": 0, "maximum": 1}}}]},
                "delay_ms": {"type": "integer", "minimum": 0},
                "priority": {"type": "integer", "minimum": 0, "maximum": 2097152},
                "timeout_s": {"type": "number", "exclusiveMinimum": 0},
                "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 256}}}}},
          "Accepted": {"type": "object", "required": ["task_id", "status"],
            "properties": {"task_id": {"type": "string"}, "status": {"$ref": "#/components/schemas/Status"}, "existing": {"type": "boolean"}}},
          "Task": {"type": "object", "required": ["task_id", "task_type", "status", "result", "error", "progress", "attempts", "created_at"],
            "properties": {
              "task_id": {"type": "string"}, "task_type": {"type": "string"}, "queue": {"type": "string"},
              "status": {"$ref": "#/components/schemas/Status"},
              "parameters": {"type": "object"}, "options": {"type": "object"},
              "result": {}, "error": {"type": ["string", "null"]},
              "progress": {"type": "number", "minimum": 0, "maximum": 1},
              "attempts": {"type": "integer"}, "max_attempts": {"type": "integer"},
              "created_at": {"type": "string", "format": "date-time"},
              "started_at": {"type": ["string", "null"], "format": "date-time"},
              "finished_at": {"type": ["string", "null"], "format": "date-time"},
              "updated_at": {"type": "string", "format": "date-time"},
              "run_at": {"type": ["string", "null"], "format": "date-time"},
              "worker_id": {"type": ["string", "null"]}}},
          "TaskEvent": {"type": "object", "required": ["event", "task_id", "task_type", "timestamp", "data"],
            "properties": {"event": {"type": "string"}, "task_id": {"type": "string"}, "task_type": {"type": "string"},
                           "timestamp": {"type": "string", "format": "date-time"}, "data": {}}},
          "Plugin": {"type": "object", "required": ["name", "state"],
            "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "description": {"type": "string"},
                           "file": {"type": ["string", "null"]}, "state": {"enum": ["loaded", "refused", "disabled"]},
                           "error": {"type": ["string", "null"]}, "runtime": {"type": "string"}, "abi": {"type": "string"},
                           "isolation": {"type": "string"},
                           "max_concurrency": {"type": ["integer", "null"]}, "timeout_s": {"type": ["number", "null"]},
                           "task_types": {"type": "array", "items": {"type": "object", "properties": {
                             "name": {"type": "string"}, "description": {"type": ["string", "null"]},
                             "params_schema": {}, "max_concurrency": {"type": ["integer", "null"]}}}}}},
          "Health": {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["ok", "degraded"]}, "reason": {"type": ["string", "null"]}}},
          "Conversation": {"type": "object", "required": ["conversation_id", "metadata", "created_at", "updated_at"],
            "properties": {"conversation_id": {"type": "string"}, "title": {"type": ["string", "null"]}, "metadata": {"type": "object"},
                           "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}},
          "Message": {"type": "object", "required": ["message_id", "conversation_id", "seq", "role", "content", "metadata", "created_at"],
            "properties": {"message_id": {"type": "string"}, "conversation_id": {"type": "string"}, "seq": {"type": "integer"},
                           "role": {"type": "string"}, "content": {"type": "string"}, "metadata": {"type": "object"},
                           "created_at": {"type": "string", "format": "date-time"}}},
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}}
        }
      },
      "security": [{}, {"bearer": []}]
    }
    """#
}
