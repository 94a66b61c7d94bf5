import PluginAPI

/// The plugin's descriptor, copied into host memory and checked against the ABI rules.
///
/// Copying follows the header: read at most `struct_size` bytes into a zeroed host-sized struct,
/// so a plugin built against an older minor (shorter structs) reads as zeros in the new fields,
/// and a shorter-than-1.0 struct is refused before any field is touched.
struct CopiedDescriptor {
    let summary: PluginDescription
    let initFn: @convention(c) (UnsafePointer<uvw_host_v1>?, uvw_bytes, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<CChar>?, Int) -> Int32
    let execute: @convention(c) (UnsafeMutableRawPointer?, UInt32, OpaquePointer?, uvw_bytes) -> Int32
    let shutdown: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?
    let cancel: (@convention(c) (UnsafeMutableRawPointer?, OpaquePointer?) -> Void)?

    /// The size of each struct as ABI 1.0 defined it: anything shorter is refused.
    static let minimumPluginSize = MemoryLayout<uvw_plugin_v1>.offset(of: \uvw_plugin_v1.execute)! + MemoryLayout<UnsafeRawPointer>.size
    static let minimumTaskTypeSize = MemoryLayout<uvw_task_type_v1>.offset(of: \uvw_task_type_v1.flags)! + MemoryLayout<UInt64>.size

    /// Copies and validates; throws a readable reason.
    init(_ raw: UnsafeRawPointer) throws(DescriptorError) {
        let size = Int(raw.load(as: UInt32.self))
        guard size >= Self.minimumPluginSize else {
            throw DescriptorError("descriptor struct too small: struct_size \(size) < \(Self.minimumPluginSize) bytes of ABI 1.0")
        }
        var plugin = uvw_plugin_v1()
        withUnsafeMutableBytes(of: &plugin) { dest in
            dest.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: min(size, dest.count)))
        }
        guard Int(plugin.abi_major) == UVW_ABI_MAJOR else {
            throw DescriptorError("ABI major version \(plugin.abi_major) is not supported: this host speaks \(UVW_ABI_MAJOR).\(UVW_ABI_MINOR)")
        }
        guard Int(plugin.abi_minor_required) <= UVW_ABI_MINOR else {
            throw DescriptorError("requires ABI \(plugin.abi_major).\(plugin.abi_minor_required), newer than this host's \(UVW_ABI_MAJOR).\(UVW_ABI_MINOR)")
        }
        guard let namePtr = plugin.name, let name = Optional(String(cString: namePtr)), !name.isEmpty else {
            throw DescriptorError("descriptor has no name")
        }
        guard let initFn = plugin.`init`, let execute = plugin.execute else {
            throw DescriptorError("descriptor lacks init or execute")
        }
        self.summary = PluginDescription(
            name: name,
            version: plugin.version.map { String(cString: $0) } ?? "0.0.0",
            description: plugin.description.map { String(cString: $0) } ?? "",
            runtime: plugin.runtime,
            abiMajor: plugin.abi_major,
            abiMinorRequired: plugin.abi_minor_required,
            taskTypes: try Self.copyTaskTypes(count: Int(plugin.task_type_count), array: plugin.task_types)
        )
        self.initFn = initFn
        self.execute = execute
        self.shutdown = plugin.shutdown
        self.cancel = plugin.cancel
    }

    private static func copyTaskTypes(count: Int, array: UnsafePointer<uvw_task_type_v1>?) throws(DescriptorError) -> [TaskTypeInfo] {
        guard count > 0, let array else { throw DescriptorError("declares no task types") }
        guard count <= 1024 else { throw DescriptorError("declares \(count) task types; at most 1024 are allowed") }
        let base = UnsafeRawPointer(array)
        // Every element has the same struct_size, which is also the array's stride.
        let stride = Int(base.load(as: UInt32.self))
        guard stride >= minimumTaskTypeSize else {
            throw DescriptorError("task type struct too small: struct_size \(stride) < \(minimumTaskTypeSize) bytes of ABI 1.0")
        }
        var seen = Set<String>()
        var result: [TaskTypeInfo] = []
        var schemaProblems: [String] = []
        for index in 0..<count {
            var entry = uvw_task_type_v1()
            withUnsafeMutableBytes(of: &entry) { dest in
                dest.copyMemory(from: UnsafeRawBufferPointer(start: base + index * stride, count: min(stride, dest.count)))
            }
            guard let namePtr = entry.name, case let name = String(cString: namePtr), !name.isEmpty else {
                throw DescriptorError("task type #\(index) has no name")
            }
            guard seen.insert(name).inserted else { throw DescriptorError("task type '\(name)' is declared twice") }
            do {
                result.append(try TaskTypeInfo(
                    name: name,
                    index: UInt32(index),
                    description: entry.description.map { String(cString: $0) },
                    schemaText: entry.params_schema_json.map { String(cString: $0) },
                    maxConcurrency: entry.max_concurrency == 0 ? nil : Int(entry.max_concurrency),
                    flags: entry.flags,
                    exampleParamsJSON: entry.example_params_json.map { String(cString: $0) },
                    exampleResultJSON: entry.example_result_json.map { String(cString: $0) },
                    exampleStatus: entry.example_status,
                    exampleError: entry.example_error.map { String(cString: $0) }
                ))
            } catch {
                schemaProblems.append(error.description)
            }
        }
        // Every invalid schema is named at once, so an author fixes them in one go.
        guard schemaProblems.isEmpty else { throw DescriptorError(schemaProblems.joined(separator: "; ")) }
        return result
    }
}

struct DescriptorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
