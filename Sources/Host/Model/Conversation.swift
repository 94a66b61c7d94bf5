import Foundation
import JSON

/// A chat conversation: the thread messages belong to.
public struct Conversation: Sendable, Equatable {
    public var id: String
    public var title: String?
    public var metadata: JSONValue
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), title: String? = nil, metadata: JSONValue = .object([:]), createdAt: Date = Date()) {
        self.id = id
        self.title = title
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    public var json: JSONValue {
        .object([
            "conversation_id": .string(id),
            "title": title.map { .string($0) } ?? .null,
            "metadata": metadata,
            "created_at": .string(ISO8601.format(createdAt)),
            "updated_at": .string(ISO8601.format(updatedAt)),
        ])
    }
}

/// One message of a conversation; `seq` orders a conversation's messages (1, 2, 3, …).
public struct Message: Sendable, Equatable {
    public var id: String
    public var conversationId: String
    public var seq: Int
    public var role: String
    public var content: String
    public var metadata: JSONValue
    public var createdAt: Date

    public var json: JSONValue {
        .object([
            "message_id": .string(id),
            "conversation_id": .string(conversationId),
            "seq": .number(Double(seq)),
            "role": .string(role),
            "content": .string(content),
            "metadata": metadata,
            "created_at": .string(ISO8601.format(createdAt)),
        ])
    }

    /// The roles a message may have, as chat APIs name them.
    public static let roles: Set<String> = ["system", "user", "assistant", "tool"]
}

/// A message to append; the store gives it its id, `seq` and time.
public struct NewMessage: Sendable {
    public var conversationId: String
    public var role: String
    public var content: String
    public var metadata: JSONValue

    public init(conversationId: String, role: String, content: String, metadata: JSONValue = .object([:])) {
        self.conversationId = conversationId
        self.role = role
        self.content = content
        self.metadata = metadata
    }
}

/// The store has no such conversation.
public struct ConversationNotFound: Error, CustomStringConvertible, Sendable {
    public let id: String
    public var description: String { "no conversation with id \(id)" }
}
