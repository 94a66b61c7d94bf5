/// A task type as the host keeps it: copied out of the plugin's descriptor at load time, so
/// nothing in the host points into plugin memory.
public struct TaskTypeInfo: Sendable {
    public let name: String
    public let index: UInt32
    public let description: String?
    public let schemaText: String?
    public let schema: JSONSchema?
    public let maxConcurrency: Int?
    public let flags: UInt64
}
