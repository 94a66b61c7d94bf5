import JSON
/// What `/plugins` and `uvian-worker plugins` show: each plugin that loaded, was refused or is
/// disabled, with the reason.
package enum PluginListing {
    package static func entries(_ registry: PluginRegistry) -> [JSONValue] {
        var entries: [JSONValue] = registry.loaded.map { plugin in
            let lifecycle = registry.lifecycle(of: plugin.spec.name)
            return .object([
                "generation": .number(Double(plugin.generation)),
                "sha256": .string(plugin.sha256),
                "in_flight": .number(Double(plugin.inFlight)),
                "draining": .number(Double(lifecycle.draining)),
                "leaked": .number(Double(lifecycle.leaked)),
                "last_reload_error": lifecycle.reloadError.map { .string($0) } ?? .null,
                "name": .string(plugin.spec.name),
                "version": .string(plugin.version),
                "description": .string(plugin.description),
                "file": .string(plugin.file),
                "state": "loaded",
                "runtime": .string(plugin.runtimeName),
                "abi": .string("\(plugin.abiMajor).\(plugin.abiMinorRequired)"),
                "isolation": .string(plugin.spec.isolation),
                "processes": plugin.backend.processSummary ?? .null,
                "max_concurrency": plugin.spec.maxConcurrency.map { .number(Double($0)) } ?? .null,
                "timeout_s": plugin.spec.timeoutSeconds.map { .number($0) } ?? .null,
                "task_types": .array(plugin.taskTypes.map { type in
                    .object([
                        "name": .string(type.name),
                        "description": type.description.map { .string($0) } ?? .null,
                        "params_schema": type.schema?.source ?? .null,
                        "max_concurrency": type.maxConcurrency.map { .number(Double($0)) } ?? .null,
                    ])
                }),
                "error": .null,
            ])
        }
        entries += registry.refused.map { refusal in
            .object([
                "name": .string(refusal.spec.name),
                "file": refusal.error.file.map { .string($0) } ?? .null,
                "state": "refused",
                "error": .string(refusal.error.reason),
                "task_types": .array([]),
            ])
        }
        entries += registry.disabled.map { spec in
            .object(["name": .string(spec.name), "state": "disabled", "error": .null, "task_types": .array([])])
        }
        return entries
    }
}
