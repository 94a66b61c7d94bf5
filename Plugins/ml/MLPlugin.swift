public import PluginKit

/// The `ml` plugin: task type `ml_inference`. Sentiment by VADER (the project's implementation
/// over vaderSentiment's lexicon), sentence embeddings, similarity and zero-shot classification by
/// all-MiniLM-L6-v2 (the project's BERT forward pass over OpenBLAS), and entities by rule and
/// gazetteer. Everything runs in the worker's process from files `make deps` installs; nothing is
/// fetched at run time and no Python runs.
final class MLPlugin: Plugin {
    static let name = "ml"
    static let version = "1.0.0"
    static let description = "Sentiment (VADER), MiniLM sentence embeddings, similarity, zero-shot classification and entity extraction"

    static var taskTypes: [TaskType<MLPlugin>] {
        [
            .sync("ml_inference", schema: InferenceParams.schema,
                  description: "sentiment, embedding, similarity, classification or entity_extraction over a text or up to 1,000 texts",
                  flags: [.cancellable, .blocking]) { (plugin: MLPlugin, params: InferenceParams, context: TaskContext) in
                try InferenceJob(store: plugin.store, params: params, context: context).run()
            }
            .selfTest(params: #"{"model_type":"summarize","input_data":"x"}"#, failsWith: .invalidParams, containing: "model_type"),
        ]
    }

    let store: ModelStore

    init(config: PluginConfig, host: HostServices) throws {
        let config = try MLConfig(config)
        store = ModelStore(config: config)
        if case .failure(let error) = store.sentiment {
            // Not fatal: the other model types may still run, and the task says how to install.
            host.log(.warning, "ml: \(error.message)")
        }
    }
}

@_cdecl("uvw_plugin_entry_v1")
public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
    PluginExport.descriptor(for: MLPlugin.self)
}
