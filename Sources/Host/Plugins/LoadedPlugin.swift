import Foundation
import PluginAPI
import Synchronization

/// A plugin that loaded and initialised: its copied descriptor and the C functions to call.
public final class LoadedPlugin: @unchecked Sendable {
    // Everything here is written once in init and read afterwards; the plugin's C functions
    // carry their own thread contract (see uvw_plugin.h).
    public let spec: PluginSpec
    public let file: String
    /// SHA-256 of the file this generation was loaded from.
    public let sha256: String
    /// True for C plugins without a language runtime: only those are `dlclose`d when retired.
    public let unloadable: Bool
    /// 1 for the first load of this plugin, then 2, 3, … for each reload (set by the registry).
    public internal(set) var generation = 1
    /// Jobs running on this generation, and whether a newer one replaced it.
    private let usage = Mutex((inFlight: 0, retired: false))
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

    init(spec: PluginSpec, file: String, sha256: String, unloadable: Bool, descriptor: CopiedDescriptor, handle: UnsafeMutableRawPointer,
         hostTable: HostTable, state: UnsafeMutableRawPointer?) {
        self.spec = spec
        self.file = file
        self.sha256 = sha256
        self.unloadable = unloadable
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

    public var inFlight: Int { usage.withLock { $0.inFlight } }

    /// Counts a job on this generation; false once retired (the caller looks up the route again).
    func beginJob() -> Bool {
        usage.withLock { usage in
            guard !usage.retired else { return false }
            usage.inFlight += 1
            return true
        }
    }

    /// Uncounts a job; true when that was the last job of a retired generation (time to shut it down).
    func endJob() -> Bool {
        usage.withLock { usage in
            usage.inFlight -= 1
            return usage.retired && usage.inFlight == 0
        }
    }

    /// Takes no new jobs from now on; true when none is running (shut it down now).
    func retire() -> Bool {
        usage.withLock { usage in
            usage.retired = true
            return usage.inFlight == 0
        }
    }

    /// After `shutdown`: unmaps a C plugin; other runtimes stay mapped (their runtime keeps
    /// pointers into the image). Returns whether it was unloaded.
    func unload() -> Bool {
        guard unloadable else { return false }
        return dlclose(handle) == 0
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
