import Foundation

/// The plugin's `config` object from plugins.yaml, with `${ENV}` already substituted by the host.
public struct PluginConfig: Sendable {
    /// The raw JSON text of the config object.
    public let json: String

    public init(json: String) {
        self.json = json.isEmpty ? "{}" : json
    }

    /// Decodes the config into your own `Decodable` type.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }
}
