import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds a worker from its configuration: backends, plugins, the worker and the HTTP server.
public struct WorkerRuntime: Sendable {
    public let config: WorkerConfig
    public let logger: Logger

    public init(config: WorkerConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Reads plugins.yaml and loads every plugin (refusals are logged and listed, not fatal).
    public func loadPlugins() throws -> PluginRegistry {
        let file = try PluginsFile.load(path: config.pluginsConfig)
        let registry = PluginRegistry(logger: logger)
        registry.loadAll(file)
        return registry
    }

    /// The embedded backends: one SQLite file under `DATA_DIR` holding both queue and store.
    public func makeWorker(registry: PluginRegistry, dataDir: String? = nil) async throws -> Worker {
        var config = self.config
        if let dataDir { config.dataDir = dataDir }
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: config.databasePath)
        let store = try await SQLiteTaskStore(database: database)
        let queue = try await SQLiteJobQueue(database: database, pollInterval: .milliseconds(config.pollIntervalMs))
        return Worker(config: config, registry: registry, queue: queue, store: store, events: EventBus(), logger: logger)
    }

    /// Runs the worker and the HTTP API until SIGTERM/SIGINT, then shuts down gracefully.
    public func serve() async throws {
        let registry = try loadPlugins()
        let worker = try await makeWorker(registry: registry)
        let router = Router()
        router.middlewares.add(ErrorMiddleware())
        if let apiKey = config.apiKey { router.middlewares.add(AuthMiddleware(apiKey: apiKey)) }
        APIRoutes(worker: worker).register(on: router)
        let logger = self.logger
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "uvian-worker"),
            services: [worker],
            onServerRunning: { channel in
                logger.info("http.listening", metadata: [
                    "http.host": "\(channel.localAddress?.ipAddress ?? "?")", "http.port": "\(channel.localAddress?.port ?? 0)",
                ])
            },
            logger: logger
        )
        try await app.runService()
        registry.shutdownAll()
    }

    /// Runs one job in-process on a throwaway database and returns the finished task.
    public func runOnce(taskType: String, parameters: JSONValue, options: JobOptions) async throws -> TaskRecord {
        let registry = try loadPlugins()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("uvian-run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let worker = try await makeWorker(registry: registry, dataDir: scratch)
        return try await withThrowingTaskGroup(of: TaskRecord?.self) { group in
            group.addTask {
                try await worker.run()
                return nil
            }
            defer { worker.beginShutdown() }
            let (record, _) = try await worker.submit(taskType: taskType, parameters: parameters, options: options)
            let limit = worker.config.maxTaskTimeout * Double(options.attempts) + worker.config.cancelGraceSeconds + 5
            let finished = await worker.waitForFinish(id: record.id, timeout: limit) ?? record
            worker.beginShutdown()
            try await group.waitForAll()
            registry.shutdownAll()
            return finished
        }
    }
}
