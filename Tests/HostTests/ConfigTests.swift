import Foundation
import Testing
import UvianHost

/// plugins.yaml parsing, `${ENV}` substitution, job options and environment settings.
@Suite struct ConfigTests {
    /// The repository's plugins.yaml searches `${UVW_WORKER_DIR}`: the running binary's own build
    /// directory, so a debug worker loads the debug plugins even when a release build exists.
    @Test func theWorkerDirIsTheRunningBinarysDirectoryUnlessSet() throws {
        let path = TestPaths.temporaryDirectory("worker-dir") + "/plugins.yaml"
        try "plugin_dirs: [\"${UVW_WORKER_DIR}\"]\nplugins: []\n".write(toFile: path, atomically: true, encoding: .utf8)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let own = try PluginsFile.load(path: path, environment: [:])
        #expect(own.pluginDirs == [(executable as NSString).deletingLastPathComponent])
        #expect(FileManager.default.fileExists(atPath: own.pluginDirs[0] + "/libDataPlugin.so"), "the plugins sit beside the binary")
        let given = try PluginsFile.load(path: path, environment: ["UVW_WORKER_DIR": "/opt/uvian/plugins"])
        #expect(given.pluginDirs == ["/opt/uvian/plugins"])
    }

    /// Relative plugin dirs and paths are the file's: the same plugins.yaml works whatever
    /// directory the worker is started in.
    @Test func relativePathsAreRelativeToTheFilesDirectory() throws {
        let dir = TestPaths.temporaryDirectory("relative")
        try FileManager.default.createDirectory(atPath: dir + "/conf", withIntermediateDirectories: true)
        try "plugin_dirs: [lib, /abs/lib, ../up]\nplugins:\n  - name: a\n    path: build/liba.so\n  - name: b\n    path: /opt/libb.so\n"
            .write(toFile: dir + "/conf/plugins.yaml", atomically: true, encoding: .utf8)
        let base = URL(fileURLWithPath: dir).standardizedFileURL.path
        let file = try PluginsFile.load(path: dir + "/conf/plugins.yaml", environment: [:])
        #expect(file.pluginDirs == [base + "/conf/lib", "/abs/lib", base + "/up"])
        #expect(file.plugins.map(\.path) == [base + "/conf/build/liba.so", "/opt/libb.so"])
    }

    /// Config values naming files shipped beside plugins.yaml use `${UVW_CONFIG_DIR}`, usually as
    /// the default of a variable of their own.
    @Test func theConfigDirIsTheFilesDirectoryUnlessSet() throws {
        let dir = TestPaths.temporaryDirectory("config-dir")
        try "plugins:\n  - name: a\n    config: {scripts: \"${SCRIPTS_DIR:-${UVW_CONFIG_DIR}/scripts}\"}\n"
            .write(toFile: dir + "/plugins.yaml", atomically: true, encoding: .utf8)
        let base = URL(fileURLWithPath: dir).standardizedFileURL.path
        let own = try PluginsFile.load(path: dir + "/plugins.yaml", environment: [:])
        #expect(own.plugins[0].config == ["scripts": .string(base + "/scripts")])
        let given = try PluginsFile.load(path: dir + "/plugins.yaml", environment: ["SCRIPTS_DIR": "/srv/scripts"])
        #expect(given.plugins[0].config == ["scripts": "/srv/scripts"])
        let moved = try PluginsFile.load(path: dir + "/plugins.yaml", environment: ["UVW_CONFIG_DIR": "/etc/uvian-worker"])
        #expect(moved.plugins[0].config == ["scripts": "/etc/uvian-worker/scripts"])
    }

    @Test func parsesPluginsYAMLWithEnvironmentSubstitution() throws {
        let yaml = """
            plugin_dirs: [.build/release, "${PLUGIN_HOME}/lib"]
            plugins:
              - name: data
                max_concurrency: 8
                timeout_s: 60
              - name: chat
                path: /opt/plugins/libchat.so
                enabled: false
                config:
                  api_key: ${RUNPOD_API_KEY}
                  base_url: "${RUNPOD_BASE_URL:-https://api.runpod.ai/v2}"
                  retries: 3
                  nested: {list: [1, two, true]}
            """
        let file = try PluginsFile.parse(yaml, environment: ["PLUGIN_HOME": "/srv", "RUNPOD_API_KEY": "k-123"])
        #expect(file.pluginDirs == [".build/release", "/srv/lib"])
        #expect(file.plugins.map(\.name) == ["data", "chat"])
        #expect(file.plugins[0].maxConcurrency == 8)
        #expect(file.plugins[0].timeoutSeconds == 60)
        #expect(file.plugins[0].enabled)
        #expect(file.plugins[1].path == "/opt/plugins/libchat.so")
        #expect(!file.plugins[1].enabled)
        #expect(file.plugins[1].config == [
            "api_key": "k-123", "base_url": "https://api.runpod.ai/v2", "retries": 3, "nested": ["list": [1, "two", true]],
        ])
    }

    @Test func substitutionRules() {
        let env = ["A": "1", "EMPTY": ""]
        #expect(EnvironmentSubstitution.apply(to: "x${A}y", environment: env) == "x1y")
        #expect(EnvironmentSubstitution.apply(to: "${MISSING}", environment: env) == "")
        #expect(EnvironmentSubstitution.apply(to: "${EMPTY:-d}", environment: env) == "d")
        #expect(EnvironmentSubstitution.apply(to: "${A:-d}", environment: env) == "1")
        #expect(EnvironmentSubstitution.apply(to: "${unterminated", environment: env) == "${unterminated")
        #expect(EnvironmentSubstitution.apply(to: "$A and ${A}${A}", environment: env) == "$A and 11")
        #expect(EnvironmentSubstitution.apply(to: "${EMPTY:-${A}/x}-${MISSING:-${EMPTY:-${A}${A}}}", environment: env) == "1/x-11")
        #expect(EnvironmentSubstitution.apply(to: "${A:-${unterminated}", environment: env) == "${A:-${unterminated}")
    }

    @Test(arguments: [
        ("plugins: [{path: /x.so}]", "name is required"),
        ("plugins: [{name: a}, {name: a}]", "listed twice"),
        ("plugins: [{name: a, max_concurrency: 0}]", "max_concurrency must be a positive integer"),
        ("plugins: [{name: a, timeout_s: -1}]", "timeout_s must be a positive number"),
        ("plugins: [{name: a, config: [1]}]", "config must be a mapping"),
        ("plugins: [{name: a, colour: red}]", "unknown key 'colour'"),
        ("plugins: [{name: a, enabled: maybe}]", "enabled must be true or false"),
        ("plugin_dirs: 3", "plugin_dirs must be a list"),
        ("- just\n- a list", "top level must be a mapping"),
        ("plugins: [{name: a", "invalid YAML"),
    ])
    func refusesMalformedFilesWithAReason(_ yaml: String, _ reason: String) {
        do {
            _ = try PluginsFile.parse(yaml, environment: [:])
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test func jobOptionsNameTheBadField() {
        func field(_ json: JSONValue) -> String? {
            do {
                _ = try JobOptions(json: json)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field(["attempts": 0]) == "options.attempts")
        #expect(field(["attempts": 1.5]) == "options.attempts")
        #expect(field(["priority": -1]) == "options.priority")
        #expect(field(["delay_ms": "soon"]) == "options.delay_ms")
        #expect(field(["timeout_s": 0]) == "options.timeout_s")
        #expect(field(["backoff": ["type": "linear"]]) == "options.backoff.type")
        #expect(field(["backoff": ["type": "fixed", "delay": -5]]) == "options.backoff.delay")
        #expect(field(["idempotency_key": ""]) == "options.idempotency_key")
        #expect(field("nope") == "options")
        let options = try? JobOptions(json: ["attempts": 3, "backoff": 250, "priority": 2, "delay_ms": 10, "timeout_s": 1.5])
        #expect(options?.attempts == 3)
        #expect(options?.backoff == Backoff(kind: .fixed, delayMs: 250))
        #expect(options?.timeoutSeconds == 1.5)
        // The stored form reads back the same.
        #expect((try? JobOptions(json: options!.json)) == options)
    }

    @Test func workerConfigReadsTheEnvironment() throws {
        let config = try WorkerConfig(environment: [
            "PORT": "9000", "MAX_CONCURRENT_TASKS": "3", "MAX_TASK_TIMEOUT": "12.5", "DATA_DIR": "/tmp/x",
            "LOG_FORMAT": "JSON", "LOG_LEVEL": "debug", "API_KEY": "k",
        ])
        #expect(config.port == 9000)
        #expect(config.maxConcurrentTasks == 3)
        #expect(config.maxTaskTimeout == 12.5)
        #expect(config.databasePath == "/tmp/x/uvian.sqlite3")
        #expect(config.logFormat == "json")
        #expect(config.apiKey == "k")
        #expect(throws: WorkerConfig.Invalid.self) { try WorkerConfig(environment: ["PORT": "eighty"]) }
        #expect(throws: WorkerConfig.Invalid.self) { try WorkerConfig(environment: ["LOG_FORMAT": "xml"]) }
        #expect(throws: WorkerConfig.Invalid.self) { try WorkerConfig(environment: ["MAX_CONCURRENT_TASKS": "0"]) }
    }
}
