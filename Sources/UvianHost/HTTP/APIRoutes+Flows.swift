import Foundation
import Hummingbird
import JSON

/// `POST /flows`: a tree of tasks whose parents run after their children (BullMQ's flows).
extension APIRoutes {
    var flowRoutes: [APIRoute] {
        [
            APIRoute(.post, "/flows", .respond { request, _ in try await self.submitFlow(request) }, operation: #"""
                {
                 "summary": "Queue a tree of tasks: each parent runs once its children have ended, and reads their results (job.children_values)",
                 "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FlowNode"}}}},
                 "responses": {
                   "202": {"description": "Queued: every node's task id", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FlowIds"}}}},
                   "400": {"$ref": "#/components/responses/Error"},
                   "401": {"$ref": "#/components/responses/Error"},
                   "404": {"$ref": "#/components/responses/Error"},
                   "413": {"$ref": "#/components/responses/Error"},
                   "422": {"$ref": "#/components/responses/Error"}
                 }
                }
                """#),
        ]
    }

    func submitFlow(_ request: Request) async throws -> Response {
        let tree: FlowTree
        do {
            tree = try FlowTree(json: try await Self.jsonBody(request))
        } catch let error as FlowTree.Invalid {
            throw APIError(.unprocessableContent, code: "invalid_flow", "\(error.field) \(error.message)", details: .object(["field": .string(error.field)]))
        }
        do {
            return JSONResponse.make(try await worker.submitFlow(tree), status: .accepted)
        } catch let refusal as Worker.FlowSubmitError {
            // The node's path goes before the field names of the usual answer.
            let answer = Self.apiError(refusal.error)
            var details = answer.details?.objectValue ?? [:]
            details["node"] = .string(refusal.path)
            throw APIError(answer.status, code: answer.code, refusal.path.isEmpty ? answer.message : "\(refusal.path): \(answer.message)",
                           details: .object(details))
        }
    }
}
