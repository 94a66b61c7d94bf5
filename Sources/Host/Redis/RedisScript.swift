import Foundation

/// One of the project's Lua scripts (Sources/Host/Redis/Lua). Redis names a loaded script by its
/// SHA1, which `SCRIPT LOAD` returns; the client remembers it per connection's server.
struct RedisScript: Sendable {
    let name: String
    let source: String

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `<name>.lua` from the module's resources.
    static func load(_ name: String) throws -> RedisScript {
        guard let url = Bundle.module.url(forResource: name, withExtension: "lua", subdirectory: "Lua"),
              let source = try? String(contentsOf: url, encoding: .utf8) else {
            throw Missing(description: "Lua script \(name).lua is missing from the Host resources bundle")
        }
        return RedisScript(name: name, source: source)
    }
}
