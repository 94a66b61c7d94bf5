import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import JSON
package import Logging
import ServiceLifecycle

/// Builds a worker from its configuration: backends, plugins, the worker and the HTTP server.
package struct WorkerRuntime: Sendable {
    package let config: WorkerConfig
    package let logger: Logger

    package init(config: WorkerConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Reads plugins.yaml and loads every plugin (refusals are logged and listed, not fatal).
    package func loadPlugins() async throws -> PluginRegistry {
        let file = try PluginsFile.load(path: config.pluginsConfig)
        let registry = PluginRegistry(logger: logger, stagingDir: (config.dataDir as NSString).appendingPathComponent("plugins"))
        await registry.loadAll(file)
        return registry
    }

    /// The backends: the store is the SQLite file under `DATA_DIR`; the queue is Redis when
    /// `REDIS_URL` is set (and `embedded` is false), else a table in the same SQLite file.
    package func makeWorker(registry: PluginRegistry, dataDir: String? = nil, embedded: Bool = false) async throws -> Worker {
        var config = self.config
        if let dataDir { config.dataDir = dataDir }
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
        // The SQLite file is opened only if a backend uses it (not with Redis and PostgreSQL both).
        var database: SQLiteDatabase?
        let databasePath = config.databasePath
        func sqlite() throws -> SQLiteDatabase {
            if let database { return database }
            let opened = try SQLiteDatabase(path: databasePath)
            database = opened
            return opened
        }
        let store: any TaskStore
        if let url = config.databaseURL, !embedded {
            store = try await PostgresTaskStore(pool: makePostgresPool(url: url), logger: logger)
            logger.info("store.postgres", metadata: ["db.schema": "\(config.dbSchema)"])
        } else {
            store = try await SQLiteTaskStore(database: sqlite())
        }
        let queue: any JobQueue
        if let url = config.redisURL, !embedded {
            var settings = RedisJobQueue.Settings()
            settings.stalledIntervalMs = config.stalledIntervalMs
            settings.maxStalledCount = config.maxStalledCount
            let endpoint = try RedisEndpoint(url: url)
            var cluster = config.redisCluster
            if cluster == nil { cluster = try await RedisJobQueue.isCluster(endpoint, logger: logger) }
            let redis = try RedisJobQueue(endpoint: endpoint, prefix: config.queuePrefix, queue: config.queueName,
                                          settings: settings, cluster: cluster ?? false, logger: logger)
            try await redis.checkServer()
            logger.info("queue.redis", metadata: ["redis.endpoint": "\(redis.commands.endpoint)", "queue.key": "\(redis.keys.base)"])
            queue = redis
        } else {
            queue = try await SQLiteJobQueue(database: sqlite(), pollInterval: .milliseconds(config.pollIntervalMs))
        }
        return Worker(config: config, registry: registry, queue: queue, store: store, events: EventBus(), logger: logger)
    }

    /// Runs the worker and the HTTP API until SIGTERM/SIGINT, then shuts down gracefully.
    package func serve() async throws {
        let registry = try await loadPlugins()
        let worker = try await makeWorker(registry: registry)
        let fleet = try await fleetChannel(for: worker)
        worker.attach(fleet: fleet)
        let router = Router()
        let api = APIRoutes(worker: worker, fleet: fleet)
        router.middlewares.add(RequestMetricsMiddleware(metrics: worker.metrics, routes: Set(api.catalog.map(\.path))))
        router.middlewares.add(ErrorMiddleware(routes: api.catalog))
        if let apiKey = config.apiKey { router.middlewares.add(AuthMiddleware(apiKey: apiKey)) }
        if config.dashboardReadOnly { router.middlewares.add(DashboardReadOnlyMiddleware()) }
        api.register(on: router)
        let socketRouter = Router(context: BasicWebSocketRequestContext.self)
        if let apiKey = config.apiKey { socketRouter.middlewares.add(AuthMiddleware(apiKey: apiKey)) }
        EventSocketRoutes(events: worker.events).register(on: socketRouter)
        let logger = self.logger
        let systemd = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        let limits = ConnectionLimits(headerTimeout: .milliseconds(Int64(config.httpHeaderTimeout * 1000)),
                                      idleTimeout: .milliseconds(Int64(config.httpIdleTimeout * 1000)), maxBodyBytes: APIRoutes.maxBodyBytes)
        let app = Application(
            router: router,
            server: .guardedHTTP1WebSocketUpgrade(webSocketRouter: socketRouter, limits: limits),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "uvian-worker",
                                 availableConnectionsDelegate: MaximumAvailableConnections(config.httpMaxConnections)),
            services: publishers(for: worker) + webhooks(for: worker) + [
                StoreCleanup(store: worker.store, config: config, logger: logger),
                SearchIndexing(store: worker.store, logger: logger),
                PluginReloadOnSignal(registry: registry, path: config.pluginsConfig, logger: logger),
                PluginFileWatcher(registry: registry, path: config.pluginsConfig, interval: .milliseconds(config.pluginWatchIntervalMs), logger: logger),
                FleetControl(worker: worker, channel: fleet, logger: logger),
                worker,
            ] + (systemd.map { [SystemdWatchdog(notifier: $0)] } ?? []),
            onServerRunning: { channel in
                logger.info("http.listening", metadata: [
                    "http.host": "\(channel.localAddress?.ipAddress ?? "?")", "http.port": "\(channel.localAddress?.port ?? 0)",
                ])
                // The plugins were loaded before the server started: the worker is ready (Type=notify).
                if let systemd, !systemd.send("READY=1\nSTATUS=listening on port \(channel.localAddress?.port ?? 0)") {
                    logger.warning("systemd.notify.failed", metadata: ["notify.socket": "\(systemd.socketPath)"])
                }
            },
            logger: logger
        )
        try await app.runService()
        registry.shutdownAll()
    }

    /// The webhook sender, on the store's outbox (both stores keep one).
    func webhooks(for worker: Worker) -> [any Service] {
        guard let outbox = worker.store as? any WebhookOutbox else { return [] }
        return [WebhookDispatcher(config: config, outbox: outbox, store: worker.store, metrics: worker.metrics,
                                  logger: logger.with(["component": "webhooks"]))]
    }

    /// The fleet's channel on the queue's backend: Redis pub/sub, or the embedded queue's SQLite file.
    func fleetChannel(for worker: Worker) async throws -> any FleetChannel {
        if let redis = worker.queue as? RedisJobQueue {
            return RedisFleetChannel(queue: redis, channel: config.controlChannel, logger: logger)
        }
        guard let sqlite = worker.queue as? SQLiteJobQueue else { throw WorkerConfig.Invalid(description: "no control channel for this queue") }
        return try await SQLiteFleetChannel(database: sqlite.database)
    }

    func makePostgresPool(url: String) -> PostgresPool {
        PostgresPool(url: url, size: config.dbPoolSize, schema: config.dbSchema, logger: logger)
    }

    /// Applies the PostgreSQL migrations (`uvian-worker migrate`); returns the versions applied.
    package func migrate() async throws -> [Int] {
        guard let url = config.databaseURL else {
            throw WorkerConfig.Invalid(description: "DATABASE_URL is not set: the embedded SQLite store migrates itself at start-up")
        }
        return try await PostgresMigrations.apply(on: makePostgresPool(url: url), logger: logger)
    }

    /// With Redis, task events also go to the pub/sub channel. Listed before the worker, so it
    /// stops after the worker's last event.
    private func publishers(for worker: Worker) -> [any Service] {
        guard let redis = worker.queue as? RedisJobQueue else { return [] }
        return [RedisEventPublisher(events: worker.events, queue: redis, channel: config.eventsChannel, logger: logger)]
    }

    /// Runs one job in-process on a throwaway database and returns the finished task.
    package func runOnce(taskType: String, parameters: JSONValue, options: JobOptions) async throws -> TaskRecord {
        let registry = try await loadPlugins()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("uvian-run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let worker = try await makeWorker(registry: registry, dataDir: scratch, embedded: true)
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
