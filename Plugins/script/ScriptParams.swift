import PluginKit

/// A `custom_script` task's parameters, read from the parsed JSON so every refusal names the field
/// and the limit. The schema carries the same limits for clients and the host's own check.
struct ScriptParams: Decodable, Sendable, CustomParameterDecoding {
    /// The `script` value: a shipped script's name or inline source (see `ScriptSource`).
    var script: String
    /// Written to /job/args.json as given (null when absent).
    var args: JSONValue
    /// Wall-clock limit of this run; the job's own timeout bounds it too.
    var timeoutSeconds: Double?
    var stdin: String?

    static let maxScriptBytes = 1 << 20
    static let maxStdinBytes = 8 << 20
    static let maxTimeoutSeconds = 86_400.0
    static let keys = ["script", "args", "timeout_s", "stdin"]

    static let schema = #"""
    {"type":"object","additionalProperties":false,"required":["script"],
     "properties":{
       "script":{"type":"string","minLength":1,"maxLength":1048576},
       "args":{},
       "timeout_s":{"type":"number","exclusiveMinimum":0,"maximum":86400},
       "stdin":{"type":"string","maxLength":8388608}}}
    """#

    static func decodeParameters(from json: JSONValue) throws -> ScriptParams {
        try ScriptParams(json)
    }

    init(_ json: JSONValue) throws {
        guard case .object(let members) = json else { throw TaskError.invalidParams("the parameters must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw TaskError.invalidParams("unknown parameter '\(unknown)' (expected one of: \(Self.keys.joined(separator: ", ")))")
        }
        guard let script = members["script"]?.stringValue, !script.isEmpty else {
            throw TaskError.invalidParams("script is required: the name of a shipped script (e.g. data_analysis.py) or Python source")
        }
        guard script.utf8.count <= Self.maxScriptBytes else {
            throw TaskError.invalidParams("script: \(script.utf8.count) bytes, more than the limit of \(Self.maxScriptBytes)")
        }
        self.script = script
        args = members["args"] ?? .null
        switch members["timeout_s"] {
        case nil, .null?:
            timeoutSeconds = nil
        case let value?:
            guard let seconds = value.doubleValue, seconds > 0, seconds <= Self.maxTimeoutSeconds else {
                throw TaskError.invalidParams("timeout_s must be a number above 0 and at most \(Int(Self.maxTimeoutSeconds))")
            }
            timeoutSeconds = seconds
        }
        switch members["stdin"] {
        case nil, .null?:
            stdin = nil
        case .string(let text)?:
            guard text.utf8.count <= Self.maxStdinBytes else {
                throw TaskError.invalidParams("stdin: \(text.utf8.count) bytes, more than the limit of \(Self.maxStdinBytes)")
            }
            stdin = text
        case let other?:
            throw TaskError.invalidParams("stdin must be a string (found \(other.typeName))")
        }
    }
}
