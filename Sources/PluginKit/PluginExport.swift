@_exported public import JSON
@_exported public import PluginAPI
import Foundation

/// Builds the static C descriptor for a `Plugin` type and bridges the ABI's C functions to it.
public enum PluginExport {
    /// Returns the plugin's descriptor; call it from your exported `uvw_plugin_entry_v1`.
    /// Building happens once; later calls return the same pointer, so the entry stays side-effect free.
    public static func descriptor<P: Plugin>(for type: P.Type) -> UnsafePointer<uvw_plugin_v1> {
        exportLock.lock()
        defer { exportLock.unlock() }
        if let exported { return exported.descriptor }
        let built = ExportedPlugin(AnyPluginType(type))
        exported = built
        return built.descriptor
    }
}

// One plugin per shared library, so one export per process image. The C functions in the
// descriptor cannot capture context, so they find the plugin type here. Each plugin library links
// its own copy of PluginKit and is loaded RTLD_LOCAL, so plugins never share this global.
private let exportLock = NSLock()
nonisolated(unsafe) private var exported: ExportedPlugin?

private func currentExport() -> ExportedPlugin {
    exportLock.lock()
    defer { exportLock.unlock() }
    return exported!
}

/// The plugin type with its generic parameter erased, so the C functions can reach it.
private struct AnyPluginType: Sendable {
    let name: String
    let version: String
    let description: String
    let taskTypes: [(name: String, schema: String?, description: String?, maxConcurrency: UInt32, flags: UInt64,
                     example: String?, expect: String?, failure: uvw_status, error: String?)]
    let make: @Sendable (PluginConfig, HostServices) throws -> PluginInstance

    init<P: Plugin>(_ type: P.Type) {
        name = P.name
        version = P.version
        description = P.description
        let types = P.taskTypes
        taskTypes = types.map {
            ($0.name, $0.paramsSchema, $0.description, $0.maxConcurrency, $0.flags.rawValue, $0.exampleParams, $0.exampleResult,
             $0.exampleFailure?.status ?? uvw_status(UVW_OK), $0.exampleError)
        }
        make = { config, host in
            let plugin = try P(config: config, host: host)
            return PluginInstance(
                host: host,
                execute: types.map { taskType in { params, context in taskType.execute(plugin, params, context) } },
                shutdown: { plugin.shutdown() }
            )
        }
    }
}

/// A live plugin: what `init` returns as the opaque state pointer.
private final class PluginInstance: Sendable {
    let host: HostServices
    let execute: [@Sendable ([UInt8], TaskContext) -> uvw_status]
    let shutdown: @Sendable () -> Void

    init(host: HostServices, execute: [@Sendable ([UInt8], TaskContext) -> uvw_status], shutdown: @escaping @Sendable () -> Void) {
        self.host = host
        self.execute = execute
        self.shutdown = shutdown
    }
}


/// Owns the C descriptor memory. It lives as long as the library image, which is never unloaded
/// while a Swift runtime is in it, so nothing here is ever freed.
private final class ExportedPlugin: @unchecked Sendable {
    let type: AnyPluginType
    let descriptor: UnsafePointer<uvw_plugin_v1>

    init(_ type: AnyPluginType) {
        self.type = type
        let types = UnsafeMutablePointer<uvw_task_type_v1>.allocate(capacity: max(type.taskTypes.count, 1))
        for (index, taskType) in type.taskTypes.enumerated() {
            types[index] = uvw_task_type_v1(
                struct_size: UInt32(MemoryLayout<uvw_task_type_v1>.stride),
                name: strdup(taskType.name),
                params_schema_json: taskType.schema.map { UnsafePointer(strdup($0)!) },
                max_concurrency: taskType.maxConcurrency,
                flags: taskType.flags,
                description: taskType.description.map { UnsafePointer(strdup($0)!) },
                example_params_json: taskType.example.map { UnsafePointer(strdup($0)!) },
                example_result_json: taskType.expect.map { UnsafePointer(strdup($0)!) },
                example_status: taskType.failure,
                example_error: taskType.error.map { UnsafePointer(strdup($0)!) }
            )
        }
        let plugin = UnsafeMutablePointer<uvw_plugin_v1>.allocate(capacity: 1)
        plugin.initialize(to: uvw_plugin_v1(
            struct_size: UInt32(MemoryLayout<uvw_plugin_v1>.size),
            abi_major: UInt16(UVW_ABI_MAJOR),
            abi_minor_required: 0,
            name: strdup(type.name),
            version: strdup(type.version),
            description: strdup(type.description),
            runtime: UInt32(UVW_RUNTIME_SWIFT),
            task_type_count: UInt32(type.taskTypes.count),
            task_types: UnsafePointer(types),
            init: pluginInit,
            shutdown: pluginShutdown,
            execute: pluginExecute,
            cancel: nil
        ))
        descriptor = UnsafePointer(plugin)
    }
}

private func pluginInit(
    host: UnsafePointer<uvw_host_v1>?, config: uvw_bytes, state: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    err: UnsafeMutablePointer<CChar>?, errCap: Int
) -> uvw_status {
    guard let host, let state else { return uvw_status(UVW_ERR_INTERNAL) }
    let json = String(decoding: UnsafeBufferPointer(start: config.ptr, count: config.len), as: UTF8.self)
    do {
        let instance = try currentExport().type.make(PluginConfig(json: json), HostServices(table: host))
        state.pointee = Unmanaged.passRetained(instance).toOpaque()
        return uvw_status(UVW_OK)
    } catch {
        if let err, errCap > 0 {
            let message = Array(String(describing: error).utf8.prefix(errCap - 1))
            _ = message.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.map { memcpy(err, $0, buffer.count) }
            }
            err[message.count] = 0
        }
        return (error as? TaskError)?.kind.status ?? uvw_status(UVW_ERR_PERMANENT)
    }
}

private func pluginShutdown(state: UnsafeMutableRawPointer?) {
    guard let state else { return }
    let instance = Unmanaged<PluginInstance>.fromOpaque(state).takeRetainedValue()
    instance.shutdown()
}

private func pluginExecute(state: UnsafeMutableRawPointer?, typeIndex: UInt32, task: OpaquePointer?, params: uvw_bytes) -> uvw_status {
    guard let state, let task else { return uvw_status(UVW_ERR_INTERNAL) }
    let instance = Unmanaged<PluginInstance>.fromOpaque(state).takeUnretainedValue()
    guard Int(typeIndex) < instance.execute.count else { return uvw_status(UVW_ERR_UNSUPPORTED) }
    // Parameters are borrowed for this call only; async handlers outlive it, so copy.
    let bytes = Array(UnsafeBufferPointer(start: params.ptr, count: params.len))
    return instance.execute[Int(typeIndex)](bytes, TaskContext(host: instance.host.table, task: task))
}
