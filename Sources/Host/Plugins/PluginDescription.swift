import PluginAPI

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

    /// `runtime` by name: "c", "swift", "rust", …
    public var runtimeName: String {
        switch Int(runtime) {
        case UVW_RUNTIME_C: "c"
        case UVW_RUNTIME_SWIFT: "swift"
        case UVW_RUNTIME_RUST: "rust"
        case UVW_RUNTIME_CXX: "c++"
        case UVW_RUNTIME_GO: "go"
        default: "other"
        }
    }
}
