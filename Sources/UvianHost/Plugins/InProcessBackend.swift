import Foundation
import PluginAPI

/// A plugin `dlopen`ed into the worker: the fastest calls, no protection from its crashes.
package final class InProcessBackend: PluginBackend, @unchecked Sendable {
    // Written once in init; the plugin's C functions carry their own thread contract (uvw_plugin.h).
    package let unloadable: Bool
    private let handle: UnsafeMutableRawPointer
    private let hostTable: HostTable
    private let state: UnsafeMutableRawPointer?
    private let executeFn: @convention(c) (UnsafeMutableRawPointer?, UInt32, OpaquePointer?, uvw_bytes) -> Int32
    package let cancelFn: (@convention(c) (UnsafeMutableRawPointer?, OpaquePointer?) -> Void)?
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

    package func execute(typeIndex: UInt32, task: OpaquePointer, params: [UInt8]) -> Int32 {
        params.withUnsafeBufferPointer { buffer in
            executeFn(state, typeIndex, task, uvw_bytes(ptr: buffer.baseAddress, len: buffer.count))
        }
    }

    /// Advisory cancel (ABI 1.1; NULL for older plugins).
    package func cancel(task: OpaquePointer) {
        cancelFn?(state, task)
    }

    /// Nothing can be done to a thread stuck in this process: it is left to finish or hang.
    package func abandon(task: OpaquePointer) -> String? { nil }

    package func shutdown() {
        shutdownFn?(state)
    }

    /// Unmaps a C plugin; other runtimes stay mapped (their runtime keeps pointers into the image).
    package func unload() -> Bool {
        guard unloadable else { return false }
        return dlclose(handle) == 0
    }
}
