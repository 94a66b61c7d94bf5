import Foundation
import PluginAPI
import Synchronization

/// A plugin that loaded and initialised: its copied descriptor and the C functions to call.
package final class LoadedPlugin: @unchecked Sendable {
    // Everything here is written once in init and read afterwards; the plugin's C functions
    // carry their own thread contract (see uvw_plugin.h).
    package let spec: PluginSpec
    package let file: String
    /// SHA-256 of the file this generation was loaded from.
    package let sha256: String
    /// True when retiring this generation frees its code: C plugins in-process, any plugin in a process.
    package let unloadable: Bool
    /// 1 for the first load of this plugin, then 2, 3, … for each reload (set by the registry).
    package internal(set) var generation = 1
    /// The copy this generation was loaded from, held while it is in use (set by the loader).
    package var staged: StagedPluginFile?
    /// Jobs running on this generation, and whether a newer one replaced it.
    private let usage = Mutex((inFlight: 0, retired: false))
    /// What the plugin said about itself when it loaded.
    package let summary: PluginDescription
    package let backend: any PluginBackend

    init(spec: PluginSpec, file: String, sha256: String, summary: PluginDescription, backend: any PluginBackend) {
        self.spec = spec
        self.file = file
        self.sha256 = sha256
        self.unloadable = backend.unloadable
        self.summary = summary
        self.backend = backend
    }

    package var name: String { summary.name }
    package var version: String { summary.version }
    package var description: String { summary.description }
    package var runtime: UInt32 { summary.runtime }
    package var runtimeName: String { summary.runtimeName }
    package var abiMajor: UInt16 { summary.abiMajor }
    package var abiMinorRequired: UInt16 { summary.abiMinorRequired }
    package var taskTypes: [TaskTypeInfo] { summary.taskTypes }

    package var inFlight: Int { usage.withLock { $0.inFlight } }

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

    /// After `shutdown`: frees the generation's code where its runtime allows. Returns whether it did.
    func unload() -> Bool { backend.unload() }

    /// Starts one task. Blocks: run it on a `BlockingExecutor` thread only.
    package func execute(typeIndex: UInt32, task: OpaquePointer, params: [UInt8]) -> Int32 {
        backend.execute(typeIndex: typeIndex, task: task, params: params)
    }

    func cancel(task: OpaquePointer) { backend.cancel(task: task) }

    func abandon(task: OpaquePointer) -> String? { backend.abandon(task: task) }

    package func shutdown() { backend.shutdown() }
}
