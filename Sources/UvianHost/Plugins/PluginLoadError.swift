/// Why one plugin was refused. The host logs it, lists it in `/plugins` and keeps running.
package struct PluginLoadError: Error, Sendable, CustomStringConvertible, Equatable {
    package let plugin: String
    package let file: String?
    package let reason: String

    package var description: String {
        "plugin '\(plugin)'" + (file.map { " (\($0))" } ?? "") + ": " + reason
    }
}
