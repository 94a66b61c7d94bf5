import Foundation
import PluginAPI

/// A plugin `dlopen`ed into the worker: the fastest calls, no protection from its crashes.
final class InProcessBackend: PluginBackend, @unchecked Sendable {
    // Written once in init; the plugin's C functions carry their own thread contract (uvw_plugin.h).
    let unloadable: Bool
    private let handle: UnsafeMutableRawPointer
    private let hostTable: HostTable
    private let state: UnsafeMutableRawPointer?
    private let executeFn: @convention(c) (UnsafeMutableRawPointer?, UInt32, OpaquePointer?, uvw_bytes) -> Int32
    let cancelFn: (@convention(c) (UnsafeMutableRawPointer?, OpaquePointer?) -> Void)?
    private let shutdownFn: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?

    init(descriptor: CopiedDescriptor, handle: UnsafeMutableRawPointer, hostTable: HostTable, state: UnsafeMutableRawPointer?, unloadable: Bool) {
        self.unloadable = unloadable
        self.handle = handle
        self.hostTable = hostTable
        self.state = state
        self.executeFn = descriptor.execute
        self.cancelFn = descriptor.cancel
        self.shutdownFn = descriptor.shutdown
    }

    func execute(typeIndex: UInt32, task: OpaquePointer, params: [UInt8]) -> Int32 {
        params.withUnsafeBufferPointer { buffer in
            executeFn(state, typeIndex, task, uvw_bytes(ptr: buffer.baseAddress, len: buffer.count))
        }
    }

    /// Advisory cancel (ABI 1.1; NULL for older plugins).
    func cancel(task: OpaquePointer) {
        cancelFn?(state, task)
    }

    /// Nothing can be done to a thread stuck in this process: it is left to finish or hang.
    func abandon(task: OpaquePointer) -> String? { nil }

    func shutdown() {
        shutdownFn?(state)
    }

    /// Unmaps a C plugin; other runtimes stay mapped (their runtime keeps pointers into the image).
    func unload() -> Bool {
        guard unloadable else { return false }
        return dlclose(handle) == 0
    }
}
