import Foundation

/// The `ready` frame: a child's description of the plugin it loaded.
extension RunnerFrame {
    static func ready(_ description: PluginDescription) -> RunnerFrame {
        RunnerFrame(.ready) { out in
            out.string(description.name)
            out.string(description.version)
            out.string(description.description)
            out.u32(description.runtime)
            out.u32(UInt32(description.abiMajor))
            out.u32(UInt32(description.abiMinorRequired))
            out.u32(UInt32(description.taskTypes.count))
            for type in description.taskTypes {
                out.string(type.name)
                out.u32(type.index)
                out.optionalString(type.description)
                out.optionalString(type.schemaText)
                out.u32(UInt32(type.maxConcurrency ?? 0))
                out.u64(type.flags)
                out.optionalString(type.exampleParamsJSON)
                out.optionalString(type.exampleResultJSON)
                out.i32(type.exampleStatus)
                out.optionalString(type.exampleError)
            }
        }
    }

    /// Reads a `ready` frame; the schemas are parsed again on this side.
    func description() throws -> PluginDescription {
        var input = reader
        let name = try input.string(), version = try input.string(), text = try input.string()
        let runtime = try input.u32(), major = try input.u32(), minor = try input.u32()
        let count = try input.u32()
        var types: [TaskTypeInfo] = []
        for _ in 0..<count {
            let typeName = try input.string(), index = try input.u32()
            let typeDescription = try input.optionalString(), schema = try input.optionalString()
            let limit = try input.u32(), flags = try input.u64()
            let example = try input.optionalString(), expected = try input.optionalString()
            let expectedStatus = try input.i32(), expectedError = try input.optionalString()
            types.append(try TaskTypeInfo(
                name: typeName, index: index, description: typeDescription, schemaText: schema,
                maxConcurrency: limit == 0 ? nil : Int(limit), flags: flags,
                exampleParamsJSON: example, exampleResultJSON: expected, exampleStatus: expectedStatus, exampleError: expectedError))
        }
        return PluginDescription(name: name, version: version, description: text, runtime: runtime,
                                 abiMajor: UInt16(truncatingIfNeeded: major), abiMinorRequired: UInt16(truncatingIfNeeded: minor),
                                 taskTypes: types)
    }
}

/// The task info (ABI 1.3) inside an `execute` frame.
extension RunnerFrame.Writer {
    mutating func taskInfo(_ info: TaskInfo) {
        u32(UInt32(clamping: info.attempt))
        u32(UInt32(clamping: info.maxAttempts))
        u32(UInt32(clamping: info.stalledCount))
        string(info.queue)
        optionalString(info.conversationId)
        optionalString(info.parentId)
        f64(info.createdAt?.timeIntervalSince1970 ?? -1)
        f64(info.startedAt.timeIntervalSince1970)
    }
}

extension RunnerFrame.Reader {
    mutating func taskInfo() throws(Truncated) -> TaskInfo {
        var info = TaskInfo()
        info.attempt = Int(try u32())
        info.maxAttempts = Int(try u32())
        info.stalledCount = Int(try u32())
        info.queue = try string()
        info.conversationId = try optionalString()
        info.parentId = try optionalString()
        let created = try f64()
        info.createdAt = created < 0 ? nil : Date(timeIntervalSince1970: created)
        info.startedAt = Date(timeIntervalSince1970: try f64())
        return info
    }
}
