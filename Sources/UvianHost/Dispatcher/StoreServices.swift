import Foundation
import JSON
import PluginAPI

/// The host services plugins reach through the ABI's `invoke`: conversation history in the store.
/// JSON in, JSON out; documented for plugin authors in docs/writing-a-plugin.md.
///
/// | method | request | response |
/// |---|---|---|
/// | `store.conversation.get` | `{"conversation_id"}` | `{"conversation": {…} or null}` |
/// | `store.conversation.create` | `{"title"?, "metadata"?, "conversation_id"?}` | `{"conversation": {…}}` |
/// | `store.messages.list` | `{"conversation_id", "limit"? (50, at most 1000)}` | `{"messages": [… oldest first]}` |
/// | `store.messages.append` | `{"conversation_id", "role", "content", "metadata"?}` | `{"message": {…}}` |
struct StoreServices: Sendable {
    let store: any TaskStore

    struct Failure: Error {
        let status: Int32
        let message: String
        static func invalid(_ message: String) -> Failure { Failure(status: Int32(UVW_ERR_INVALID_PARAMS), message: message) }
    }

    static let methods: Set<String> = ["store.conversation.get", "store.conversation.create", "store.messages.list", "store.messages.append"]

    /// Answers one call: `(UVW_OK, response)` or an error status with `{"error": "…"}`.
    func handle(method: String, requestJSON: String) async -> (status: Int32, response: JSONValue) {
        guard Self.methods.contains(method) else {
            return (Int32(UVW_ERR_UNSUPPORTED), ["error": .string("unknown host method '\(method)'")])
        }
        do {
            guard case .object(let request) = try JSONValue.parse(requestJSON) else { throw Failure.invalid("the request must be a JSON object") }
            return (Int32(UVW_OK), try await call(method, request))
        } catch let failure as Failure {
            return (failure.status, ["error": .string(failure.message)])
        } catch let error as JSONParseError {
            return (Int32(UVW_ERR_INVALID_PARAMS), ["error": .string("the request is not valid JSON: \(error)")])
        } catch let error as ConversationNotFound {
            return (Int32(UVW_ERR_INVALID_PARAMS), ["error": .string(error.description)])
        } catch {
            // The store is unreachable or failed: worth another attempt later.
            return (Int32(UVW_ERR_RETRYABLE), ["error": .string("store error: \(error)")])
        }
    }

    private func call(_ method: String, _ request: [String: JSONValue]) async throws -> JSONValue {
        switch method {
        case "store.conversation.get":
            let id = try string(request, "conversation_id")
            return ["conversation": try await store.conversation(id: id)?.json ?? .null]
        case "store.conversation.create":
            let conversation = try Self.newConversation(request)
            return ["conversation": try await store.createConversation(conversation).json]
        case "store.messages.list":
            let id = try string(request, "conversation_id")
            let limit = request["limit"]?.intValue ?? 50
            guard (1...1000).contains(limit) else { throw Failure.invalid("limit must be an integer from 1 to 1000") }
            return ["messages": .array(try await store.messages(conversationId: id, limit: limit).map(\.json))]
        default:
            let message = try Self.newMessage(request)
            return ["message": try await store.appendMessage(message).json]
        }
    }

    private func string(_ request: [String: JSONValue], _ key: String) throws -> String {
        guard let value = request[key]?.stringValue, !value.isEmpty else { throw Failure.invalid("\(key) is required and must be a non-empty string") }
        return value
    }

    /// Reads a new conversation from a request (also used by `POST /conversations`).
    static func newConversation(_ request: [String: JSONValue]) throws -> Conversation {
        var conversation = Conversation()
        if let id = request["conversation_id"] {
            guard let text = id.stringValue, !text.isEmpty, text.utf8.count <= 200 else {
                throw Failure.invalid("conversation_id must be a non-empty string of at most 200 bytes")
            }
            conversation.id = text
        }
        if let title = request["title"], !title.isNull {
            guard let text = title.stringValue else { throw Failure.invalid("title must be a string") }
            conversation.title = text
        }
        if let metadata = request["metadata"], !metadata.isNull {
            guard metadata.objectValue != nil else { throw Failure.invalid("metadata must be a JSON object") }
            conversation.metadata = metadata
        }
        return conversation
    }

    /// Reads a message to append from a request (also used by `POST /conversations/{id}/messages`).
    static func newMessage(_ request: [String: JSONValue]) throws -> NewMessage {
        guard let id = request["conversation_id"]?.stringValue, !id.isEmpty else {
            throw Failure.invalid("conversation_id is required and must be a non-empty string")
        }
        guard let role = request["role"]?.stringValue, Message.roles.contains(role) else {
            throw Failure.invalid("role must be one of \(Message.roles.sorted().joined(separator: ", "))")
        }
        guard let content = request["content"]?.stringValue else { throw Failure.invalid("content is required and must be a string") }
        var metadata = JSONValue.object([:])
        if let value = request["metadata"], !value.isNull {
            guard value.objectValue != nil else { throw Failure.invalid("metadata must be a JSON object") }
            metadata = value
        }
        return NewMessage(conversationId: id, role: role, content: content, metadata: metadata)
    }
}
