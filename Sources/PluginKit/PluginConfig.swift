import JSON

/// The plugin's `config` object from plugins.yaml, with `${ENV}` already substituted by the host.
public struct PluginConfig: Sendable {
    /// The raw JSON text of the config object.
    public let json: String

    public init(json: String) {
        self.json = json.isEmpty ? "{}" : json
    }

    /// The config as a JSON value (the host always sends an object).
    public func value() throws -> JSONValue {
        try JSONValue.parse(json)
    }

    /// Decodes the config into your own `Decodable` type.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONValueDecoder().decode(T.self, from: Array(json.utf8))
    }
}
