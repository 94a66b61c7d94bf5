import PluginKit

/// The document errors a client can act on, each a stable code and a colon first.
enum DocumentFailure {
    static func invalidDocument(_ reason: String) -> TaskError { TaskError(.permanent, "invalid_document: " + reason) }
    static func passwordRequired(_ reason: String) -> TaskError { TaskError(.permanent, "password_required: " + reason) }
    static func typeMismatch(given: DocumentType, found: String) -> TaskError {
        TaskError(.permanent, "type_mismatch: document_type is '\(given.rawValue)' but the content is \(found)")
    }
    /// A limit of plugins.yaml reached; `key` is its name there.
    static func limit(_ key: String, _ reason: String) -> TaskError { TaskError(.permanent, "\(key): " + reason) }
}
