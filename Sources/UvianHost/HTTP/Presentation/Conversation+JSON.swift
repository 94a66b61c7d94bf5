import JSON

/// Conversations and messages as the API and the `store.*` host methods show them.
extension Conversation {
    package var json: JSONValue {
        .object([
            "conversation_id": .string(id),
            "title": title.map { .string($0) } ?? .null,
            "metadata": metadata,
            "created_at": .string(ISO8601.format(createdAt)),
            "updated_at": .string(ISO8601.format(updatedAt)),
        ])
    }
}

extension Message {
    package var json: JSONValue {
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
}
