/// What a plugin says about itself, copied out of its descriptor (in this process, or in a
/// plugin-runner child and sent over): everything the host needs without touching plugin memory.
public struct PluginDescription: Sendable {
    public let name: String
    public let version: String
    public let description: String
    public let runtime: UInt32
    public let abiMajor: UInt16
    public let abiMinorRequired: UInt16
    public let taskTypes: [TaskTypeInfo]
}
