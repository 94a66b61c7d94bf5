/// A plugin's `config` object read field by field: unknown keys refused, numbers checked against
/// their range, every message naming the plugin and the key. A number may also come as text, as
/// `${VAR:-3}` in plugins.yaml substitutes it.
public struct ConfigReader: Sendable {
    public let plugin: String
    public let object: [String: JSONValue]

    public init(_ config: PluginConfig, plugin: String, known: Set<String>) throws {
        guard let object = (try? config.value())?.objectValue else {
            throw TaskError.permanent("\(plugin): config must be a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw TaskError.permanent("\(plugin): unknown config key '\(unknown)'")
        }
        self.plugin = plugin
        self.object = object
    }

    public subscript(key: String) -> JSONValue? { object[key] }

    /// The text of `key`; nil when it is absent, null or empty.
    public func string(_ key: String) -> String? {
        object[key]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func number(_ key: String, default fallback: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let value = object[key], value != .null else { return fallback }
        guard let number = value.doubleValue ?? value.stringValue.flatMap(Double.init), range.contains(number) else {
            throw failure("\(key) must be a number from \(Self.spell(range.lowerBound)) to \(Self.spell(range.upperBound))")
        }
        return number
    }

    public func integer(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let value = object[key], value != .null else { return fallback }
        guard let integer = value.intValue ?? value.stringValue.flatMap({ Int($0) }), range.contains(integer) else {
            throw failure("\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return integer
    }

    /// A configuration error of this plugin (it fails `init`, so the plugin does not load).
    public func failure(_ message: String) -> TaskError {
        TaskError.permanent("\(plugin): \(message)")
    }

    private static func spell(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}
