import Foundation
import Testing
import UvianHost

/// Replacing a plugin in a live worker: generations, draining, and a broken new version.
@Suite struct HotSwapTests {
    static func build(_ defines: [String], _ name: String) throws -> String {
        try CPluginBuilder.build(source: TestPaths.fixturesDir + "/c-plugins/versioned.c", defines: defines, name: name)
    }

    /// Puts a build at the path plugins.yaml names, the way a deploy would (write, then rename).
    static func install(_ build: String, at path: String) throws {
        let temporary = path + ".new"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.copyItem(atPath: build, toPath: temporary)
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// A job validated when it was queued is checked again when a newer generation, whose schema
    /// may have changed, runs it; a job the same generation validated is not parsed twice.
    @Test func aJobQueuedBeforeASchemaChangeIsCheckedAgain() async throws {
        let v1 = try Self.build(["FIX_VERSION=1"], "versioned-v1")
        let strict = try Self.build(["FIX_VERSION=2", "FIX_STRICT_SCHEMA"], "versioned-v2-strict")
        let dir = TestPaths.temporaryDirectory("swap-schema")
        let pluginPath = dir + "/libversioned.so"
        try Self.install(v1, at: pluginPath)
        let file = PluginsFile(plugins: [PluginSpec(name: "versioned", path: pluginPath)])
        let registry = PluginRegistry(logger: TestWorker.quietLogger, stagingDir: dir + "/staged", runner: TestPaths.runner)
        await registry.loadAll(file)
        var config = WorkerConfig()
        config.pollIntervalMs = 20
        let worker = try await WorkerRuntime(config: config, logger: TestWorker.quietLogger).makeWorker(registry: registry, dataDir: dir + "/data")
        // Queued (and valid) under v1, before the worker runs anything.
        let early = try await worker.submit(taskType: "versioned", parameters: ["ms": 1], options: JobOptions()).0
        try Self.install(strict, at: pluginPath)
        guard case .reloaded = await registry.reload("versioned", from: file) else {
            Issue.record("reload did not load the strict version")
            return
        }
        let late = try await worker.submit(taskType: "versioned", parameters: ["ms": 1, "must": true], options: JobOptions()).0
        let running = Task { try await worker.run() }
        let failed = try #require(await worker.waitForFinish(id: early.id, timeout: 10))
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("invalid parameters") == true, "\(failed.error ?? "")")
        let done = try #require(await worker.waitForFinish(id: late.id, timeout: 10))
        #expect(done.status == .completed && done.result?["version"]?.intValue == 2)
        worker.beginShutdown()
        try await running.value
        registry.shutdownAll()
    }

    /// Both isolation modes: in-process generations, and generations of plugin-runner children.
    @Test(arguments: ["in_process", "process"])
    func swapUnderLoadLosesNothingAndRunsNothingTwice(isolation: String) async throws {
        let v1 = try Self.build(["FIX_VERSION=1"], "versioned-v1")
        let v2 = try Self.build(["FIX_VERSION=2"], "versioned-v2")
        let broken = try Self.build(["FIX_VERSION=3", "FIX_BROKEN_INIT"], "versioned-v3-broken")
        let wrongMajor = try Self.build(["FIX_VERSION=4", "FIX_WRONG_MAJOR"], "versioned-v4-major")
        let dir = TestPaths.temporaryDirectory("swap")
        let pluginPath = dir + "/libversioned.so"
        try Self.install(v1, at: pluginPath)
        var spec = PluginSpec(name: "versioned", path: pluginPath)
        spec.isolation = isolation
        if isolation == "process" { spec.processes = 8 }
        let file = PluginsFile(plugins: [spec])

        let registry = PluginRegistry(logger: TestWorker.quietLogger, stagingDir: dir + "/staged", runner: TestPaths.runner)
        await registry.loadAll(file)
        var config = WorkerConfig()
        config.maxConcurrentTasks = 8
        config.pollIntervalMs = 20
        let worker = try await WorkerRuntime(config: config, logger: TestWorker.quietLogger).makeWorker(registry: registry, dataDir: dir + "/data")
        let running = Task { try await worker.run() }

        var ids: [String] = []
        // 100 ms a job: 200 jobs at 8 at once last over two seconds, longer than a loaded machine
        // takes to install the new file and start the new generation's first child.
        for _ in 0..<200 { ids.append(try await worker.submit(taskType: "versioned", parameters: ["ms": 100], options: JobOptions()).0.id) }
        // Swap once some jobs have run and many are still queued or running.
        try await poll(2000, every: .milliseconds(5), "40 jobs done") { try await worker.store.counts()[.completed, default: 0] >= 40 }
        try Self.install(v2, at: pluginPath)
        guard case .reloaded(let fresh) = await registry.reload("versioned", from: file) else {
            Issue.record("reload did not load v2")
            return
        }
        let swappedAt = Date()
        #expect(fresh.generation == 2 && fresh.version == "2.0.0")
        // Jobs added after the swap as well: on a loaded machine the reload can outlast the queue.
        for _ in 0..<8 { ids.append(try await worker.submit(taskType: "versioned", parameters: ["ms": 100], options: JobOptions()).0.id) }

        var versions: [Int: Int] = [:]
        for id in ids {
            let record = try #require(await worker.waitForFinish(id: id, timeout: 30))
            #expect(record.status == .completed, "\(record.error ?? "")")
            #expect(record.attempts == 1)
            let version = try #require(record.result?["version"]?.intValue)
            versions[version, default: 0] += 1
            if try #require(record.startedAt) > swappedAt { #expect(version == 2) }
        }
        #expect(versions[1, default: 0] >= 40 && versions[2, default: 0] > 0, "\(versions)")
        #expect(versions.values.reduce(0, +) == ids.count)

        // The old generation drained and, being C, was unloaded.
        try await poll(100, every: .milliseconds(20)) { registry.lifecycle(of: "versioned").draining == 0 }
        #expect(registry.lifecycle(of: "versioned").draining == 0)
        #expect(registry.lifecycle(of: "versioned").leaked == 0)

        // A broken new version leaves v2 serving, and says why.
        try Self.install(broken, at: pluginPath)
        guard case .failed(let error) = await registry.reload("versioned", from: file) else {
            Issue.record("the broken version was not refused")
            return
        }
        #expect(error.reason == "init failed: version 3 cannot start: missing model file")
        #expect(registry.route("versioned")?.plugin.version == "2.0.0")
        let entry = try #require(PluginListing.entries(registry).first)
        #expect(entry["generation"]?.intValue == 2)
        #expect(entry["last_reload_error"]?.stringValue == "init failed: version 3 cannot start: missing model file")
        let after = try await worker.submit(taskType: "versioned", parameters: [:], options: JobOptions()).0
        #expect(await worker.waitForFinish(id: after.id, timeout: 10)?.result == ["version": 2])

        // So does one built for another ABI major.
        try Self.install(wrongMajor, at: pluginPath)
        guard case .failed(let majorError) = await registry.reload("versioned", from: file) else {
            Issue.record("the wrong-major version was not refused")
            return
        }
        #expect(majorError.reason.hasPrefix("ABI major version 2 is not supported"), "\(majorError.reason)")
        #expect(PluginListing.entries(registry).first?["last_reload_error"]?.stringValue == majorError.reason)
        #expect(registry.route("versioned")?.plugin.version == "2.0.0")
        let again = try await worker.submit(taskType: "versioned", parameters: [:], options: JobOptions()).0
        #expect(await worker.waitForFinish(id: again.id, timeout: 10)?.result == ["version": 2])

        // Reloading an unchanged file changes nothing.
        try Self.install(v2, at: pluginPath)
        guard case .unchanged = await registry.reload("versioned", from: file) else {
            Issue.record("an unchanged file made a new generation")
            return
        }
        worker.beginShutdown()
        _ = try? await running.value
    }
}

/// SIGHUP re-reads plugins.yaml in a running worker process.
@Suite struct ReloadOnSignalTests {
    @Test func sighupAddsAndRemovesPlugins() async throws {
        let worker = try WorkerProcess()
        try await worker.start()
        let yaml = worker.dataDir + "/plugins.yaml"
        func names() async throws -> Set<String> {
            let list = try await worker.request("GET", "/plugins").json?["plugins"]?.arrayValue ?? []
            return Set(list.filter { $0["state"]?.stringValue == "loaded" }.compactMap { $0["name"]?.stringValue })
        }
        #expect(try await names() == ["data", "hello-c", "fixture"])

        // A broken file changes nothing.
        try "plugins: [{name: ".write(toFile: yaml, atomically: true, encoding: .utf8)
        worker.signal(SIGHUP)
        try await poll(200, every: .milliseconds(10), "the refusal of the broken file") {
            worker.logLines().contains { $0["message"] == "plugins.reload.failed" }
        }
        #expect(try await names() == ["data", "hello-c", "fixture"])

        // hello-c goes, versioned comes.
        let versioned = try HotSwapTests.build(["FIX_VERSION=7"], "versioned-v7")
        try """
            plugin_dirs: [\(TestPaths.buildDir)]
            plugins:
              - name: data
              - name: fixture
                path: \(try CPluginBuilder.fixture())
              - name: versioned
                path: \(versioned)
            """.write(toFile: yaml, atomically: true, encoding: .utf8)
        worker.signal(SIGHUP)
        try await poll(100, every: .milliseconds(50)) { try await names() == ["data", "fixture", "versioned"] }
        #expect(try await names() == ["data", "fixture", "versioned"])
        let ran = try await worker.request("POST", "/execute?wait=10", body: #"{"task_type":"versioned"}"#)
        #expect(ran.json?["result"] == ["version": 7])
        let gone = try await worker.request("POST", "/execute", body: #"{"task_type":"echo"}"#)
        #expect(gone.status == 404)
        #expect(worker.process.isRunning)
        await worker.stop()
    }
}

/// Reloads of one plugin that come together (HTTP, SIGHUP and the file watcher may all fire at
/// once) run one after the other. (Bug: each computed the same next generation, one was dropped
/// without `shutdown`, and a process-isolated plugin's children of it were never stopped.)
@Suite struct ConcurrentReloadTests {
    /// The children of this process (plugin-runners) that have a file under `directory` mapped:
    /// the staged copies of this test's plugin, whatever other tests run alongside.
    static func children(mapping directory: String) -> Int {
        let me = getpid()
        var count = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            // Read to the end: procfs files report size 0, and String(contentsOfFile:) stops at a page.
            // readToEnd, which throws: readDataToEndOfFile traps when the process has just exited (ESRCH).
            func read(_ file: String) -> String? {
                guard let handle = FileHandle(forReadingAtPath: "/proc/\(entry)/\(file)"),
                      let data = try? handle.readToEnd() else { return nil }
                return String(decoding: data, as: UTF8.self)
            }
            guard let pid = Int32(entry), pid != me,
                  let status = read("status"), status.split(separator: "\n").contains(where: { $0 == "PPid:\t\(me)" }),
                  let maps = read("maps"), maps.contains(directory) else { continue }
            count += 1
        }
        return count
    }

    @Test func reloadsOfOnePluginAtOnceMakeOneGenerationAndStopTheRest() async throws {
        let v1 = try HotSwapTests.build(["FIX_VERSION=1"], "versioned-v1")
        let v2 = try HotSwapTests.build(["FIX_VERSION=2"], "versioned-v2")
        let dir = TestPaths.temporaryDirectory("reload-race")
        let pluginPath = dir + "/libversioned.so"
        try HotSwapTests.install(v1, at: pluginPath)
        var spec = PluginSpec(name: "versioned", path: pluginPath)
        spec.isolation = "process"
        spec.processes = 1
        let file = PluginsFile(plugins: [spec])
        let registry = PluginRegistry(logger: TestWorker.quietLogger, stagingDir: dir + "/staged", runner: TestPaths.runner)
        await registry.loadAll(file)
        #expect(registry.loaded.first?.generation == 1)

        try HotSwapTests.install(v2, at: pluginPath)
        let results = await withTaskGroup(of: PluginRegistry.ReloadResult.self) { group in
            for _ in 0..<8 { group.addTask { await registry.reload("versioned", from: file) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let reloaded = results.filter { if case .reloaded = $0 { true } else { false } }
        let unchanged = results.filter { if case .unchanged = $0 { true } else { false } }
        #expect(reloaded.count == 1 && unchanged.count == 7, "\(results)")
        #expect(registry.loaded.map(\.generation) == [2])
        // Generation 1 is retired and its child stopped; only generation 2's one child is left.
        try await poll(200, every: .milliseconds(20), "generation 1 retired") { registry.lifecycle(of: "versioned").draining == 0 }
        try await poll(200, every: .milliseconds(20), "one child left (\(Self.children(mapping: dir + "/staged/")))") {
            Self.children(mapping: dir + "/staged/") == 1
        }
        registry.shutdownAll()
        try await poll(200, every: .milliseconds(20), "no child left") { Self.children(mapping: dir + "/staged/") == 0 }
    }
}

/// Plugins are loaded from copies in DATA_DIR/plugins; the directory keeps only the copies some
/// generation (of any worker sharing it) uses. (Bug: every load left its copy there forever.)
@Suite struct StagingTests {
    static func staged(_ dir: String) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
    }

    @Test(arguments: ["in_process", "process"])
    func onlyTheCopiesInUseStay(_ isolation: String) async throws {
        let v1 = try HotSwapTests.build(["FIX_VERSION=1"], "versioned-v1")
        let v2 = try HotSwapTests.build(["FIX_VERSION=2"], "versioned-v2")
        let dir = TestPaths.temporaryDirectory("staging")
        let staging = dir + "/staged"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        // Left by an earlier run: removed at start-up. Held by another worker: kept.
        _ = FileManager.default.createFile(atPath: staging + "/old-0123.so", contents: Data([1, 2, 3]))
        _ = FileManager.default.createFile(atPath: staging + "/other-4567.so", contents: Data([4, 5, 6]))
        _ = FileManager.default.createFile(atPath: staging + "/x.so.tmp-999999999", contents: Data([7]))
        let other = try StagedPluginFile(path: staging + "/other-4567.so")
        let pluginPath = dir + "/libversioned.so"
        try HotSwapTests.install(v1, at: pluginPath)
        var spec = PluginSpec(name: "versioned", path: pluginPath)
        spec.isolation = isolation
        let file = PluginsFile(plugins: [spec])
        let registry = PluginRegistry(logger: TestWorker.quietLogger, stagingDir: staging, runner: TestPaths.runner)
        await registry.loadAll(file)
        let first = try #require(registry.loaded.first?.staged?.path)
        #expect(Self.staged(staging) == [(first as NSString).lastPathComponent, "other-4567.so"])

        try HotSwapTests.install(v2, at: pluginPath)
        guard case .reloaded(let fresh) = await registry.reload("versioned", from: file) else {
            Issue.record("no reload")
            return
        }
        let second = try #require(fresh.staged?.path)
        #expect(second != first)
        try await poll(200, every: .milliseconds(20), "the first generation's copy removed") {
            Self.staged(staging) == [(second as NSString).lastPathComponent, "other-4567.so"]
        }
        // The other worker's copy goes once it lets go of it and a sweep comes. (A child another
        // test is starting holds a copy of every descriptor between its fork and its exec, the
        // lock with it: a sweep then leaves the file for the next one.)
        other.release()
        try await poll(100, every: .milliseconds(20), "the released copy swept") { StagedPluginFile.sweep(staging) == ["other-4567.so"] }
        #expect(Self.staged(staging) == [(second as NSString).lastPathComponent])
        registry.shutdownAll()
    }
}

/// `watch: true` reloads a plugin when its file changes.
@Suite struct WatchTests {
    @Test func aChangedFileIsPickedUp() async throws {
        let v1 = try HotSwapTests.build(["FIX_VERSION=1"], "versioned-v1")
        let v2 = try HotSwapTests.build(["FIX_VERSION=2"], "versioned-v2")
        let worker = try WorkerProcess(environment: ["PLUGIN_WATCH_INTERVAL_MS": "100"])
        let pluginPath = worker.dataDir + "/libversioned.so"
        try HotSwapTests.install(v1, at: pluginPath)
        try """
            plugins:
              - name: versioned
                path: \(pluginPath)
                watch: true
            """.write(toFile: worker.dataDir + "/plugins.yaml", atomically: true, encoding: .utf8)
        try await worker.start()
        #expect(try await worker.request("POST", "/execute?wait=10", body: #"{"task_type":"versioned"}"#).json?["result"] == ["version": 1])
        // The watcher has seen the file once (its first look only records it).
        try await poll(200, every: .milliseconds(10), "the watcher's first look") {
            worker.logLines().contains { $0["message"] == "plugin.watch.watching" }
        }

        try HotSwapTests.install(v2, at: pluginPath)
        try await poll(200, every: .milliseconds(25), "generation 2") {
            try await worker.request("GET", "/plugins").json?["plugins"]?[0]?["generation"]?.intValue == 2
        }
        #expect(try await worker.request("POST", "/execute?wait=10", body: #"{"task_type":"versioned"}"#).json?["result"] == ["version": 2])
        await worker.stop()
    }
}
