import PluginKit
import Synchronization

/// A model loaded on first use and kept: the MiniLM weights stay mapped and the gazetteer stays
/// built for the life of the plugin. The first callers wait for one load rather than each loading
/// a copy. A failed load is not kept, so files installed after the worker started are picked up
/// by the next task without a restart.
final class LazyModel<Model: Sendable>: Sendable {
    private let state = Mutex<Model?>(nil)
    private let load: @Sendable () throws -> Model

    init(_ load: @escaping @Sendable () throws -> Model) {
        self.load = load
    }

    func get() throws -> Model {
        try state.withLock { model in
            if let model { return model }
            let loaded = try load()
            model = loaded
            return loaded
        }
    }
}
