package import Foundation
import JSON

/// A chat conversation: the thread messages belong to.
package struct Conversation: Sendable, Equatable {
    package var id: String
    package var title: String?
    package var metadata: JSONValue
    package var createdAt: Date
    package var updatedAt: Date

    package init(id: String = UUID().uuidString.lowercased(), title: String? = nil, metadata: JSONValue = .object([:]), createdAt: Date = Date()) {
        self.id = id
        self.title = title
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

/// One message of a conversation; `seq` orders a conversation's messages (1, 2, 3, …).
package struct Message: Sendable, Equatable {
    package var id: String
    package var conversationId: String
    package var seq: Int
    package var role: String
    package var content: String
    package var metadata: JSONValue
    package var createdAt: Date

    /// The roles a message may have, as chat APIs name them.
    package static let roles: Set<String> = ["system", "user", "assistant", "tool"]
}

/// A message to append; the store gives it its id, `seq` and time.
package struct NewMessage: Sendable {
    package var conversationId: String
    package var role: String
    package var content: String
    package var metadata: JSONValue

    package init(conversationId: String, role: String, content: String, metadata: JSONValue = .object([:])) {
        self.conversationId = conversationId
        self.role = role
        self.content = content
        self.metadata = metadata
    }
}

/// The store has no such conversation.
package struct ConversationNotFound: Error, CustomStringConvertible, Sendable {
    package let id: String
    package var description: String { "no conversation with id \(id)" }
}
