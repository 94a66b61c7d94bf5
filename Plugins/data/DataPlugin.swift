public import PluginKit

/// The `data` plugin: task type `data_processing` (sums, averages, statistics, correlation,
/// grouped), pure Swift. The rules are documented on `DataProcessor`.
final class DataPlugin: Plugin {
    static let name = "data"
    static let version = "1.0.0"
    static let description = "Sums, averages, descriptive statistics and correlation over numbers or objects"

    static var taskTypes: [TaskType<DataPlugin>] {
        [
            .sync(
                "data_processing", schema: DataProcessor.paramsSchema,
                description: "sum, average, count, statistics or correlation, optionally grouped"
            ) { (_: DataPlugin, params: DataProcessingParams, _: TaskContext) in
                do {
                    return try DataProcessor.run(params)
                } catch let error as DataProcessingError {
                    throw error.isInvalidParams ? TaskError.invalidParams(error.message) : TaskError.permanent(error.message)
                }
            }
            .selfTest(params: #"{"operation":"sum","data":[1,2,3.5]}"#, expect: #"{"operation":"sum","count":3,"sum":6.5}"#),
        ]
    }

    init(config: PluginConfig, host: HostServices) throws {}
}

@_cdecl("uvw_plugin_entry_v1")
public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
    PluginExport.descriptor(for: DataPlugin.self)
}
