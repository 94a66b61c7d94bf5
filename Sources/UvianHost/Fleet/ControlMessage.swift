package import Foundation
package import JSON

/// A command to every worker of the fleet (`POST /control/{command}`), as it travels on the control
/// channel: JSON, signed with `CONTROL_SECRET` when one is set.
package struct ControlMessage: Sendable, Equatable {
    package static let commands: Set<String> = ["task.cancel", "plugins.reload", "queue.pause", "queue.resume", "worker.drain", "worker.resume"]
    /// Older than this (or this far in the future), a signed command is ignored as a replay.
    package static let maxAge: Double = 30

    package var id: String
    package var command: String
    package var arguments: JSONValue
    /// The worker that sent it.
    package var sender: String
    /// Epoch milliseconds.
    package var sentAt: Int64
    package var signature: String?

    package init(command: String, arguments: JSONValue, sender: String, sentAt: Date = Date()) {
        id = RandomIdentifier.uuid()
        self.command = command
        self.arguments = arguments
        self.sender = sender
        self.sentAt = Int64((sentAt.timeIntervalSince1970 * 1000).rounded())
    }

    /// What the signature covers: every field but the signature, as canonical JSON.
    private var signedText: String {
        JSONValue.object(["id": .string(id), "command": .string(command), "arguments": arguments, "sender": .string(sender),
                          "sent_at": .number(Double(sentAt))]).serialized()
    }

    package func signed(with secret: String?) -> ControlMessage {
        guard let secret else { return self }
        var message = self
        message.signature = MessageSignature.sign(Data(signedText.utf8), key: Data(secret.utf8))
        return message
    }

    package var json: JSONValue {
        var fields: [String: JSONValue] = ["id": .string(id), "command": .string(command), "arguments": arguments,
                                           "sender": .string(sender), "sent_at": .number(Double(sentAt))]
        if let signature { fields["signature"] = .string(signature) }
        return .object(fields)
    }

    package init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let command = json["command"]?.stringValue,
              let sender = json["sender"]?.stringValue, let sentAt = json["sent_at"]?.doubleValue else { return nil }
        self.id = id
        self.command = command
        self.sender = sender
        self.sentAt = Int64(sentAt)
        arguments = json["arguments"] ?? .object([:])
        signature = json["signature"]?.stringValue
    }

    /// Why a worker must ignore this message (nil: it may act on it): with a secret, it must be
    /// signed with it and recent.
    package func refusal(secret: String?, now: Date = Date()) -> String? {
        guard let secret else { return nil }
        guard let signature else { return "unsigned" }
        guard MessageSignature.verify(signature, message: Data(signedText.utf8), key: Data(secret.utf8)) else { return "bad signature" }
        let age = now.timeIntervalSince1970 - Double(sentAt) / 1000
        guard abs(age) <= Self.maxAge else { return "stale (sent \(Int(age)) s ago)" }
        return nil
    }
}

/// One worker's answer to a command.
package struct ControlReply: Sendable {
    package var commandId: String
    package var workerId: String
    package var ok: Bool
    package var result: JSONValue

    package init(commandId: String, workerId: String, ok: Bool, result: JSONValue) {
        (self.commandId, self.workerId, self.ok, self.result) = (commandId, workerId, ok, result)
    }

    package var json: JSONValue {
        .object(["command_id": .string(commandId), "worker_id": .string(workerId), "ok": .bool(ok), ok ? "result" : "error": result])
    }

    package init?(json: JSONValue) {
        guard let commandId = json["command_id"]?.stringValue, let workerId = json["worker_id"]?.stringValue,
              let ok = json["ok"]?.boolValue else { return nil }
        self.init(commandId: commandId, workerId: workerId, ok: ok, result: (ok ? json["result"] : json["error"]) ?? .null)
    }
}
