import Foundation
import Testing
import UvianHost

/// `uvian-worker plugin check <file>`: the conformance check for plugin authors.
@Suite struct PluginCheckTests {
    static var rustPlugin: String { TestPaths.repoRoot + "/Plugins/examples/hello-rust/build/libhello-rust.so" }

    func check(_ file: String, _ extra: [String] = []) async throws -> (status: Int32, report: JSONValue) {
        let result = try await Subprocess.run(TestPaths.workerBinary, ["plugin", "check", file, "--json"] + extra,
                                        environment: ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 })
        let report = try JSONValue.parse(result.stdout)
        return (result.status, report)
    }

    func selfTests(_ report: JSONValue) -> [String: String] {
        var tests: [String: String] = [:]
        for type in report["task_types"]?.arrayValue ?? [] {
            tests[type["name"]?.stringValue ?? "?"] = type["self_test"]?.stringValue
        }
        return tests
    }

    @Test func passesForTheExamplePluginsInEveryLanguage() async throws {
        let c = try await check(try CPluginBuilder.helloC())
        #expect(c.status == 0)
        #expect(c.report["passed"] == true && c.report["runtime"] == "c" && c.report["abi"] == "1.0")
        #expect(selfTests(c.report) == ["echo": "passed", "sleep": "passed"])
        #expect(c.report["shutdown"] == "exited with status 0")

        let rust = try await check(Self.rustPlugin)
        #expect(rust.status == 0, "\(rust.report)")
        #expect(rust.report["runtime"] == "rust" && rust.report["abi"] == "1.2")
        #expect(selfTests(rust.report) == ["rust_echo": "passed", "rust_word_count": "passed"])

        let swift = try await check(TestPaths.dataPlugin)
        #expect(swift.status == 0, "\(swift.report)")
        #expect(swift.report["runtime"] == "swift")
        #expect(selfTests(swift.report) == ["data_processing": "passed"])
    }

    @Test func failsWithTheReason() async throws {
        let wrongResult = try await check(try HotSwapTests.build(["FIX_VERSION=5", "FIX_BAD_SELF_TEST"], "versioned-bad-self-test"))
        #expect(wrongResult.status == 1)
        let type = try #require(wrongResult.report["task_types"]?[0])
        #expect(type["self_test"] == "failed")
        #expect(type["detail"] == #"expected {"version":0}, got {"version":5}"#)

        let initError = try await check(try CPluginBuilder.fixture("UVW_FIX_INIT_ERROR"))
        #expect(initError.status == 1)
        #expect(initError.report["error"] == "init failed: database password missing")

        let badSchema = try await check(try CPluginBuilder.fixture("UVW_FIX_BAD_SCHEMA"))
        #expect(badSchema.status == 1)
        #expect(badSchema.report["error"]?.stringValue?.hasPrefix("task type 'bad_schema_echo' has an invalid JSON Schema") == true)

        let notAPlugin = try await check("/etc/hostname")
        #expect(notAPlugin.status == 1)
        #expect(notAPlugin.report["error"]?.stringValue?.hasPrefix("dlopen failed") == true)
    }
}

/// The ABI is language-neutral: C, Swift and Rust plugins load side by side, in process and isolated.
@Suite struct LanguagesTests {
    @Test(arguments: ["in_process", "process"])
    func cSwiftAndRustPluginsServeOneWorker(isolation: String) async throws {
        let dir = TestPaths.temporaryDirectory("languages")
        var specs = [
            PluginSpec(name: "data", path: TestPaths.dataPlugin),
            PluginSpec(name: "hello-c", path: try CPluginBuilder.helloC()),
            PluginSpec(name: "hello-rust", path: PluginCheckTests.rustPlugin),
        ]
        for index in specs.indices { specs[index].isolation = isolation }
        let registry = PluginRegistry(logger: TestWorker.quietLogger, stagingDir: dir + "/staged", runner: TestPaths.runner)
        await registry.loadAll(PluginsFile(plugins: specs))
        #expect(registry.refused.map(\.error.reason) == [])
        #expect(Set(registry.loaded.map(\.runtimeName)) == ["c", "swift", "rust"])
        var config = WorkerConfig()
        config.pollIntervalMs = 20
        let worker = try await WorkerRuntime(config: config, logger: TestWorker.quietLogger).makeWorker(registry: registry, dataDir: dir + "/data")
        let running = Task { try await worker.run() }
        let jobs: [(String, JSONValue, JSONValue)] = [
            ("data_processing", ["operation": "sum", "data": [1, 2, 3]], ["operation": "sum", "count": 3, "sum": 6]),
            ("echo", ["x": 1], ["echo": ["x": 1]]),
            ("rust_word_count", ["text": "Grüße aus Köln"], ["words": 3, "chars": 14]),
            ("rust_echo", ["a": [true, .null]], ["echo": ["a": [true, .null]], "plugin": "hello-rust"]),
        ]
        for (type, params, expected) in jobs {
            let record = try await worker.submit(taskType: type, parameters: params, options: JobOptions()).0
            let finished = try #require(await worker.waitForFinish(id: record.id, timeout: 20))
            #expect(finished.status == .completed, "\(type): \(finished.error ?? "")")
            #expect(finished.result == expected, "\(type)")
        }
        worker.beginShutdown()
        _ = try? await running.value
        registry.shutdownAll()
    }
}
