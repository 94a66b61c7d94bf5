import Foundation
import PluginAPI

/// A plugin that loaded and initialised: its copied descriptor and the C functions to call.
public final class LoadedPlugin: @unchecked Sendable {
    // Everything here is written once in init and read afterwards; the plugin's C functions
    // carry their own thread contract (see uvw_plugin.h).
    public let spec: PluginSpec
    public let file: String
    public let name: String
    public let version: String
    public let description: String
    public let runtime: UInt32
    public let abiMajor: UInt16
    public let abiMinorRequired: UInt16
    public let taskTypes: [TaskTypeInfo]
    let handle: UnsafeMutableRawPointer
    let hostTable: HostTable
    let state: UnsafeMutableRawPointer?
    let executeFn: @convention(c) (UnsafeMutableRawPointer?, UInt32, OpaquePointer?, uvw_bytes) -> Int32
    let cancelFn: (@convention(c) (UnsafeMutableRawPointer?, OpaquePointer?) -> Void)?
    let shutdownFn: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?

    init(spec: PluginSpec, file: String, descriptor: CopiedDescriptor, handle: UnsafeMutableRawPointer,
         hostTable: HostTable, state: UnsafeMutableRawPointer?) {
        self.spec = spec
        self.file = file
        self.name = descriptor.name
        self.version = descriptor.version
        self.description = descriptor.description
        self.runtime = descriptor.runtime
        self.abiMajor = descriptor.abiMajor
        self.abiMinorRequired = descriptor.abiMinorRequired
        self.taskTypes = descriptor.taskTypes
        self.handle = handle
        self.hostTable = hostTable
        self.state = state
        self.executeFn = descriptor.execute
        self.cancelFn = descriptor.cancel
        self.shutdownFn = descriptor.shutdown
    }

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

    /// Calls the plugin's `execute`. Blocks: run it on a `BlockingExecutor` thread only.
    func execute(typeIndex: UInt32, task: OpaquePointer, params: [UInt8]) -> Int32 {
        params.withUnsafeBufferPointer { buffer in
            executeFn(state, typeIndex, task, uvw_bytes(ptr: buffer.baseAddress, len: buffer.count))
        }
    }

    /// Advisory cancel (ABI 1.1; NULL for older plugins).
    func cancel(task: OpaquePointer) {
        cancelFn?(state, task)
    }

    func shutdown() {
        shutdownFn?(state)
    }
}
