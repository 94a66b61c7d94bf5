import Foundation
import JSON

/// plugins.yaml: which plugins to load, from where, with which limits and config.
///
/// ```yaml
/// plugin_dirs: ["${UVW_WORKER_DIR}"]
/// plugins:
///   - name: data
///     max_concurrency: 8
///     timeout_s: 60
///     config: { api_key: "${RUNPOD_API_KEY}" }
/// ```
/// `${VAR}` and `${VAR:-default}` in any string value are replaced from the environment after
/// parsing, so a secret never passes through the YAML parser as syntax. `UVW_WORKER_DIR`, unless
/// the environment sets it, is the directory of the running worker binary: where `swift build`
/// puts the plugins it built with it, so a debug worker never picks up a stale release plugin.
/// `UVW_CONFIG_DIR`, likewise, is the directory of the plugins file itself, for config values that
/// name files shipped beside it (plugin `path`s and `plugin_dirs` are resolved against it anyway).
package struct PluginsFile: Sendable, Equatable {
    package var pluginDirs: [String]
    package var plugins: [PluginSpec]

    package init(pluginDirs: [String] = [], plugins: [PluginSpec] = []) {
        self.pluginDirs = pluginDirs
        self.plugins = plugins
    }

    package struct ParseError: Error, CustomStringConvertible, Sendable {
        package let description: String
    }

    /// Reads and parses a file. Relative plugin dirs and plugin paths are taken relative to the
    /// file's own directory, so the same file works whichever directory the worker starts in.
    package static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ParseError) -> PluginsFile {
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw ParseError(description: "cannot read plugins file \(path)")
        }
        var environment = environment
        if environment["UVW_WORKER_DIR"] == nil, let directory = workerDirectory { environment["UVW_WORKER_DIR"] = directory }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let directory = (absolute as NSString).deletingLastPathComponent
        if environment["UVW_CONFIG_DIR"] == nil { environment["UVW_CONFIG_DIR"] = directory }
        return try parse(text, environment: environment, source: path, relativeTo: directory)
    }

    /// The directory of the running executable (symbolic links resolved).
    static var workerDirectory: String? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return (executable as NSString).deletingLastPathComponent
    }

    /// Parses the text; with `directory`, relative plugin dirs and paths are resolved against it.
    package static func parse(_ text: String, environment: [String: String], source: String = "plugins.yaml",
                             relativeTo directory: String? = nil) throws(ParseError) -> PluginsFile {
        let root: JSONValue
        do {
            root = try YAMLConfigReader.read(text)
        } catch {
            throw ParseError(description: "\(source): invalid YAML: \(error)")
        }
        let substituted = root.substitutingEnvironment(environment)
        guard case .object(let top) = substituted else {
            if substituted.isNull { return PluginsFile() }
            throw ParseError(description: "\(source): the top level must be a mapping with plugin_dirs and plugins")
        }
        var file = PluginsFile()
        if let dirs = top["plugin_dirs"] {
            guard let list = dirs.arrayValue, let strings = Optional(list.compactMap(\.stringValue)), strings.count == list.count else {
                throw ParseError(description: "\(source): plugin_dirs must be a list of paths")
            }
            file.pluginDirs = strings
        }
        for (index, entry) in (top["plugins"]?.arrayValue ?? []).enumerated() {
            file.plugins.append(try spec(entry, at: "\(source): plugins[\(index)]"))
        }
        var names = Set<String>()
        for plugin in file.plugins where !names.insert(plugin.name).inserted {
            throw ParseError(description: "\(source): plugin '\(plugin.name)' is listed twice")
        }
        if let directory {
            file.pluginDirs = file.pluginDirs.map { resolve($0, against: directory) }
            for index in file.plugins.indices {
                file.plugins[index].path = file.plugins[index].path.map { resolve($0, against: directory) }
            }
        }
        return file
    }

    private static func resolve(_ path: String, against directory: String) -> String {
        path.hasPrefix("/") || path.isEmpty ? path : URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL.path
    }

    private static func spec(_ entry: JSONValue, at location: String) throws(ParseError) -> PluginSpec {
        guard case .object(let fields) = entry else { throw ParseError(description: "\(location) must be a mapping") }
        guard let name = fields["name"]?.stringValue, !name.isEmpty else { throw ParseError(description: "\(location): name is required") }
        let known: Set<String> = ["name", "path", "enabled", "max_concurrency", "timeout_s", "isolation", "config", "watch", "processes", "rlimits"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw ParseError(description: "\(location) (\(name)): unknown key '\(unknown)'")
        }
        var spec = PluginSpec(name: name)
        spec.path = fields["path"]?.stringValue
        if let enabled = fields["enabled"] {
            guard let value = enabled.boolValue else { throw ParseError(description: "\(location) (\(name)): enabled must be true or false") }
            spec.enabled = value
        }
        if let watch = fields["watch"] {
            guard let value = watch.boolValue else { throw ParseError(description: "\(location) (\(name)): watch must be true or false") }
            spec.watch = value
        }
        if let limit = fields["max_concurrency"] {
            guard let value = limit.intValue, value > 0 else { throw ParseError(description: "\(location) (\(name)): max_concurrency must be a positive integer") }
            spec.maxConcurrency = value
        }
        if let timeout = fields["timeout_s"] {
            guard let value = timeout.doubleValue, value > 0 else { throw ParseError(description: "\(location) (\(name)): timeout_s must be a positive number") }
            spec.timeoutSeconds = value
        }
        if let isolation = fields["isolation"] {
            guard let value = isolation.stringValue, value == "in_process" || value == "process" else {
                throw ParseError(description: "\(location) (\(name)): isolation must be in_process or process, not '\(isolation.stringValue ?? isolation.serialized())'")
            }
            spec.isolation = value
        }
        for key in ["processes", "rlimits"] where fields[key] != nil && !spec.isProcessIsolated {
            throw ParseError(description: "\(location) (\(name)): \(key) needs isolation: process")
        }
        if let processes = fields["processes"] {
            guard let value = processes.intValue, value > 0, value <= 1024 else {
                throw ParseError(description: "\(location) (\(name)): processes must be an integer from 1 to 1024")
            }
            spec.processes = value
        }
        if let rlimits = fields["rlimits"] {
            spec.rlimits = try Self.limits(rlimits, at: "\(location) (\(name)): rlimits")
        }
        if let config = fields["config"] {
            guard config.objectValue != nil || config.isNull else { throw ParseError(description: "\(location) (\(name)): config must be a mapping") }
            spec.config = config.isNull ? .object([:]) : config
        }
        return spec
    }
}

extension PluginsFile {
    private static func limits(_ value: JSONValue, at location: String) throws(ParseError) -> ResourceLimits {
        guard case .object(let fields) = value else { throw ParseError(description: "\(location) must be a mapping") }
        if let unknown = fields.keys.sorted().first(where: { !["memory_mb", "cpu_s", "open_files"].contains($0) }) {
            throw ParseError(description: "\(location): unknown key '\(unknown)' (known: memory_mb, cpu_s, open_files)")
        }
        func positive(_ key: String) throws(ParseError) -> Int? {
            guard let field = fields[key] else { return nil }
            guard let number = field.intValue, number > 0 else { throw ParseError(description: "\(location): \(key) must be a positive integer") }
            return number
        }
        return ResourceLimits(memoryMB: try positive("memory_mb"), cpuSeconds: try positive("cpu_s"), openFiles: try positive("open_files"))
    }
}

extension JSONValue {
    /// Replaces `${VAR}` / `${VAR:-default}` in every string.
    func substitutingEnvironment(_ environment: [String: String]) -> JSONValue {
        switch self {
        case .string(let text): .string(EnvironmentSubstitution.apply(to: text, environment: environment))
        case .array(let items): .array(items.map { $0.substitutingEnvironment(environment) })
        case .object(let fields): .object(fields.mapValues { $0.substitutingEnvironment(environment) })
        default: self
        }
    }
}
