/// Why one plugin was refused. The host logs it, lists it in `/plugins` and keeps running.
public struct PluginLoadError: Error, Sendable, CustomStringConvertible, Equatable {
    public let plugin: String
    public let file: String?
    public let reason: String

    public var description: String {
        "plugin '\(plugin)'" + (file.map { " (\($0))" } ?? "") + ": " + reason
    }
}
