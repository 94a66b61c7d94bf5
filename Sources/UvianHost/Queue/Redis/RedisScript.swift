import Foundation

/// One of the project's Lua scripts (Sources/UvianHost/Queue/Redis/Lua). Redis names a loaded script by its
/// SHA1, which `SCRIPT LOAD` returns; the client remembers it per connection's server.
struct RedisScript: Sendable {
    let name: String
    let source: String

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `<name>.lua` from the module's resources, after `_shared.lua`: Redis scripts cannot
    /// import one another, so the helpers every script uses (lock checks, markers, the events cap)
    /// are written once there and sent ahead of each script.
    static func load(_ name: String) throws -> RedisScript {
        RedisScript(name: name, source: try read("_shared") + "\n" + read(name))
    }

    private static func read(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "lua", subdirectory: "Lua"),
              let source = try? String(contentsOf: url, encoding: .utf8) else {
            throw Missing(description: "Lua script \(name).lua is missing from the Host resources bundle")
        }
        return source
    }
}
