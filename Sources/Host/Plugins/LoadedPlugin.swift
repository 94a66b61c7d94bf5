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
    /// True when retiring this generation frees its code: C plugins in-process, any plugin in a process.
    public let unloadable: Bool
    /// 1 for the first load of this plugin, then 2, 3, … for each reload (set by the registry).
    public internal(set) var generation = 1
    /// The copy this generation was loaded from, held while it is in use (set by the loader).
    var staged: StagedPluginFile?
    /// Jobs running on this generation, and whether a newer one replaced it.
    private let usage = Mutex((inFlight: 0, retired: false))
    /// What the plugin said about itself when it loaded.
    public let summary: PluginDescription
    let backend: any PluginBackend

    init(spec: PluginSpec, file: String, sha256: String, summary: PluginDescription, backend: any PluginBackend) {
        self.spec = spec
        self.file = file
        self.sha256 = sha256
        self.unloadable = backend.unloadable
        self.summary = summary
        self.backend = backend
    }

    public var name: String { summary.name }
    public var version: String { summary.version }
    public var description: String { summary.description }
    public var runtime: UInt32 { summary.runtime }
    public var runtimeName: String { summary.runtimeName }
    public var abiMajor: UInt16 { summary.abiMajor }
    public var abiMinorRequired: UInt16 { summary.abiMinorRequired }
    public var taskTypes: [TaskTypeInfo] { summary.taskTypes }

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

    /// After `shutdown`: frees the generation's code where its runtime allows. Returns whether it did.
    func unload() -> Bool { backend.unload() }

    /// Starts one task. Blocks: run it on a `BlockingExecutor` thread only.
    func execute(typeIndex: UInt32, task: OpaquePointer, params: [UInt8]) -> Int32 {
        backend.execute(typeIndex: typeIndex, task: task, params: params)
    }

    func cancel(task: OpaquePointer) { backend.cancel(task: task) }

    func abandon(task: OpaquePointer) -> String? { backend.abandon(task: task) }

    func shutdown() { backend.shutdown() }
}
