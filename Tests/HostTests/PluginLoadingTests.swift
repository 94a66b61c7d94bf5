import Foundation
import Logging
import PluginAPI
import Testing
import UvianHost

/// Loading plugins: the happy path and every refusal the loader must make, each naming the file
/// and the reason while the other plugins still load.
@Suite struct PluginLoadingTests {
    let loader = PluginLoader(pluginDirs: [], logger: TestWorker.quietLogger)

    func refusal(_ spec: PluginSpec, taken: [String: String] = [:]) -> PluginLoadError? {
        do {
            _ = try loader.load(spec, takenTaskTypes: taken)
            return nil
        } catch {
            return error
        }
    }

    @Test func loadsSwiftAndCPlugins() throws {
        let data = try loader.load(PluginSpec(name: "data", path: TestPaths.dataPlugin))
        #expect(data.name == "data")
        #expect(data.runtimeName == "swift")
        #expect(data.taskTypes.map(\.name) == ["data_processing"])
        #expect(data.taskTypes[0].schema != nil)

        let hello = try loader.load(PluginSpec(name: "hello-c", path: try CPluginBuilder.helloC()))
        #expect(hello.name == "hello-c")
        #expect(hello.runtimeName == "c")
        #expect(hello.taskTypes.map(\.name) == ["echo", "sleep"])
    }

    @Test func findsPluginsInPluginDirsByName() throws {
        let loader = PluginLoader(pluginDirs: ["/nonexistent", TestPaths.buildDir], logger: TestWorker.quietLogger)
        #expect(loader.resolveFile(for: PluginSpec(name: "data")) == TestPaths.buildDir + "/libDataPlugin.so")
    }

    @Test func refusesAMissingFile() {
        let error = refusal(PluginSpec(name: "ghost", path: "/nonexistent/libghost.so"))
        #expect(error?.reason.contains("file not found") == true)
        #expect(error?.description.contains("ghost") == true)
    }

    @Test func refusesAMissingEntrySymbol() throws {
        let path = try CPluginBuilder.fixture("UVW_FIX_NO_ENTRY")
        let error = try #require(refusal(PluginSpec(name: "noentry", path: path)))
        #expect(error.file == path)
        #expect(error.reason.contains("missing entry symbol uvw_plugin_entry_v1"))
    }

    @Test func refusesTheWrongMajor() throws {
        let error = try #require(refusal(PluginSpec(name: "major", path: try CPluginBuilder.fixture("UVW_FIX_WRONG_MAJOR"))))
        #expect(error.reason.contains("ABI major version 2 is not supported"))
    }

    @Test func refusesANewerRequiredMinor() throws {
        let error = try #require(refusal(PluginSpec(name: "minor", path: try CPluginBuilder.fixture("UVW_FIX_NEWER_MINOR"))))
        #expect(error.reason.contains("requires ABI 1.\(UVW_ABI_MINOR + 1), newer than this host's 1.\(UVW_ABI_MINOR)"))
    }

    @Test func refusesAStructTooSmall() throws {
        let error = try #require(refusal(PluginSpec(name: "small", path: try CPluginBuilder.fixture("UVW_FIX_STRUCT_TOO_SMALL"))))
        #expect(error.reason.contains("struct too small"))
    }

    @Test func refusesAnInvalidSchema() throws {
        let error = try #require(refusal(PluginSpec(name: "schema", path: try CPluginBuilder.fixture("UVW_FIX_BAD_SCHEMA"))))
        #expect(error.reason.contains("bad_schema_echo"))
        #expect(error.reason.contains("invalid JSON Schema"))
    }

    @Test func refusesWhenInitFails() throws {
        let error = try #require(refusal(PluginSpec(name: "init", path: try CPluginBuilder.fixture("UVW_FIX_INIT_ERROR"))))
        #expect(error.reason == "init failed: database password missing")
    }

    @Test func refusesADuplicateTaskType() throws {
        let error = try #require(refusal(PluginSpec(name: "dup", path: try CPluginBuilder.fixture("UVW_FIX_DUPLICATE_TYPE")),
                                         taken: ["fixture_echo": "fixture"]))
        #expect(error.reason.contains("duplicate task type 'fixture_echo': already provided by plugin 'fixture'"))
    }

    @Test func registryKeepsServingTheOthersAndListsWhy() async throws {
        let registry = PluginRegistry(logger: TestWorker.quietLogger)
        await registry.loadAll(PluginsFile(plugins: [
            PluginSpec(name: "fixture", path: try CPluginBuilder.fixture()),
            PluginSpec(name: "dup", path: try CPluginBuilder.fixture("UVW_FIX_DUPLICATE_TYPE")),
            PluginSpec(name: "major", path: try CPluginBuilder.fixture("UVW_FIX_WRONG_MAJOR")),
            PluginSpec(name: "ghost", path: "/nonexistent.so"),
            PluginSpec(name: "off", path: "/nonexistent.so", enabled: false),
            PluginSpec(name: "hello-c", path: try CPluginBuilder.helloC()),
        ]))
        #expect(registry.loaded.map(\.spec.name) == ["fixture", "hello-c"])
        #expect(registry.refused.map(\.spec.name) == ["dup", "major", "ghost"])
        #expect(registry.disabled.map(\.name) == ["off"])
        #expect(registry.route("fixture_echo")?.plugin.spec.name == "fixture")
        #expect(registry.taskTypeNames == ["echo", "fixture_echo", "fixture_fail", "sleep"])
        let listing = PluginListing.entries(registry)
        let dup = try #require(listing.first { $0["name"]?.stringValue == "dup" })
        #expect(dup["state"]?.stringValue == "refused")
        #expect(dup["error"]?.stringValue?.contains("duplicate task type") == true)
    }

    @Test func anOlderMinorPluginLoadsAndRuns() async throws {
        let path = try CPluginBuilder.fixture("UVW_FIX_OLDER_MINOR")
        let plugin = try loader.load(PluginSpec(name: "old", path: path))
        #expect(plugin.abiMinorRequired == 0)
        #expect(plugin.taskTypes.map(\.name) == ["old_echo", "old_upper"])
        #expect((plugin.backend as? InProcessBackend)?.cancelFn == nil)
        let worker = try await TestWorker(specs: [PluginSpec(name: "fixture-old", path: path)])
        defer { Task { await worker.stop() } }
        // The second element of the task type array: only right if the stride is the plugin's struct_size.
        let upper = try await worker.run("old_upper", ["text": "Hello, world"])
        #expect(upper.status == .completed)
        #expect(upper.result == ["upper": "HELLO, WORLD"])
        let echo = try await worker.run("old_echo", ["a": 1])
        #expect(echo.result == ["a": 1])
        await worker.stop()
    }
}
