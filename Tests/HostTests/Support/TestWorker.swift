import Foundation
import Logging
import Testing
import UvianHost

/// A worker running in the test process on a throwaway SQLite file.
final class TestWorker: Sendable {
    let worker: Worker
    let registry: PluginRegistry
    let dataDir: String
    private let runTask: Task<Void, any Error>

    static let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The specs loaded by default: data, hello-c and the default C fixture.
    static func defaultSpecs() throws -> [PluginSpec] {
        [
            PluginSpec(name: "data", path: TestPaths.dataPlugin),
            PluginSpec(name: "hello-c", path: try CPluginBuilder.helloC()),
            PluginSpec(name: "fixture", path: try CPluginBuilder.fixture()),
        ]
    }

    init(specs: [PluginSpec]? = nil, store backend: StoreBackend = .sqlite, configure: (inout WorkerConfig) -> Void = { _ in }) async throws {
        var config = WorkerConfig()
        config.pollIntervalMs = 50
        config.leaseSeconds = 5
        config.cancelGraceSeconds = 1
        config.shutdownTimeout = 5
        config.maxConcurrentTasks = 4
        config.workerId = "test-\(UUID().uuidString.prefix(6))"
        if backend == .postgres {
            config.databaseURL = StoreBackend.databaseURL
            config.dbSchema = StoreBackend.freshSchema()
        }
        configure(&config)
        dataDir = TestPaths.temporaryDirectory("worker")
        let registry = PluginRegistry(logger: Self.quietLogger, runner: TestPaths.runner)
        await registry.loadAll(PluginsFile(plugins: try specs ?? Self.defaultSpecs()))
        self.registry = registry
        let worker = try await WorkerRuntime(config: config, logger: Self.quietLogger).makeWorker(registry: registry, dataDir: dataDir)
        self.worker = worker
        runTask = Task { try await worker.run() }
    }

    /// Queues a job and waits for it to finish.
    func run(_ taskType: String, _ parameters: JSONValue, options: JobOptions = JobOptions(), timeout: Double = 30) async throws -> TaskRecord {
        let (record, _) = try await worker.submit(taskType: taskType, parameters: parameters, options: options)
        return try #require(await worker.waitForFinish(id: record.id, timeout: timeout))
    }

    func submit(_ taskType: String, _ parameters: JSONValue, options: JobOptions = JobOptions()) async throws -> TaskRecord {
        try await worker.submit(taskType: taskType, parameters: parameters, options: options).0
    }

    func stop() async {
        worker.beginShutdown()
        _ = try? await runTask.value
    }
}

