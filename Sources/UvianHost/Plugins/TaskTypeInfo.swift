/// A task type as the host keeps it: copied out of the plugin's descriptor at load time, so
/// nothing in the host points into plugin memory.
package struct TaskTypeInfo: Sendable {
    package let name: String
    package let index: UInt32
    package let description: String?
    package let schemaText: String?
    package let schema: JSONSchema?
    package let maxConcurrency: Int?
    package let flags: UInt64
    /// The declared self-test (ABI 1.2): parameters, and the result they must give (nil: any).
    package var exampleParamsJSON: String? = nil
    package var exampleResultJSON: String? = nil
    /// The status the self-test must end with (ABI 1.3): 0, UVW_OK, unless it tests a failure.
    package var exampleStatus: Int32 = 0
    /// With an error `exampleStatus`: a substring its error must contain.
    package var exampleError: String? = nil
}

extension TaskTypeInfo {
    /// Builds the host's copy, parsing the schema; a schema that does not parse is refused.
    init(name: String, index: UInt32, description: String?, schemaText: String?, maxConcurrency: Int?, flags: UInt64,
         exampleParamsJSON: String?, exampleResultJSON: String?, exampleStatus: Int32 = 0, exampleError: String? = nil) throws(DescriptorError) {
        var schema: JSONSchema?
        if let schemaText {
            do {
                schema = try JSONSchema(parsing: schemaText)
            } catch {
                throw DescriptorError("task type '\(name)' has an invalid JSON Schema: \(error)")
            }
        }
        self.init(name: name, index: index, description: description, schemaText: schemaText, schema: schema,
                  maxConcurrency: maxConcurrency, flags: flags, exampleParamsJSON: exampleParamsJSON,
                  exampleResultJSON: exampleResultJSON, exampleStatus: exampleStatus, exampleError: exampleError)
    }
}
