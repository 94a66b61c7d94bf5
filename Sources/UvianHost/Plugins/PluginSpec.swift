import JSON
/// One plugin entry of plugins.yaml.
package struct PluginSpec: Sendable, Equatable {
    package var name: String
    /// Explicit file path, or nil to search `plugin_dirs`.
    package var path: String?
    package var enabled: Bool = true
    /// Most jobs of this plugin at once (all its task types together); nil = no limit of its own.
    package var maxConcurrency: Int?
    /// Default timeout for its jobs; capped by `MAX_TASK_TIMEOUT`.
    package var timeoutSeconds: Double?
    /// `in_process` (dlopen into the worker) or `process` (supervised plugin-runner children).
    package var isolation: String = "in_process"
    /// Process isolation: most children at once (each runs one job at a time); nil = max_concurrency, else 4.
    package var processes: Int?
    /// Process isolation: limits each child sets on itself.
    package var rlimits: ResourceLimits?
    /// Reload the plugin when its file changes.
    package var watch = false
    /// The `config` object, `${ENV}` already substituted.
    package var config: JSONValue = .object([:])

    package init(name: String, path: String? = nil, enabled: Bool = true, maxConcurrency: Int? = nil,
                timeoutSeconds: Double? = nil, config: JSONValue = .object([:])) {
        self.name = name
        self.path = path
        self.enabled = enabled
        self.maxConcurrency = maxConcurrency
        self.timeoutSeconds = timeoutSeconds
        self.config = config
    }

    package var isProcessIsolated: Bool { isolation == "process" }

    /// How many plugin-runner children a process-isolated plugin may have.
    var processCapacity: Int { processes ?? maxConcurrency ?? 4 }

    /// Most jobs of this plugin at once: `max_concurrency`, and in process isolation no more than
    /// its children (each runs one job), so no job waits for a child while holding a slot.
    var concurrencyLimit: Int? {
        guard isProcessIsolated else { return maxConcurrency }
        return min(maxConcurrency ?? Int.max, processCapacity)
    }

    /// File names tried in each plugin dir when no `path` is given: `lib<name>.so`, then the SwiftPM
    /// product convention `lib<Name>Plugin.so` (`data` → `libDataPlugin.so`).
    var candidateFileNames: [String] {
        let camel = name.split(whereSeparator: { $0 == "-" || $0 == "_" })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return ["lib\(name).so", "lib\(camel)Plugin.so"]
    }
}
