import PluginAPI

/// What a plugin says about itself, copied out of its descriptor (in this process, or in a
/// plugin-runner child and sent over): everything the host needs without touching plugin memory.
package struct PluginDescription: Sendable {
    package let name: String
    package let version: String
    package let description: String
    package let runtime: UInt32
    package let abiMajor: UInt16
    package let abiMinorRequired: UInt16
    package let taskTypes: [TaskTypeInfo]

    /// `runtime` by name: "c", "swift", "rust", …
    package var runtimeName: String {
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
