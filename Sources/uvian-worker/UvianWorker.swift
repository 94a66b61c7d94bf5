import ArgumentParser
import Foundation
import UvianHost
import Logging

/// `uvian-worker`: serve (default), run one job, list plugins.
@main
struct UvianWorker: AsyncParsableCommand {
    static func main() async {
        // Before any thread starts (and so any arena is made): see MemoryPolicy.
        MemoryPolicy.apply(environment: ProcessInfo.processInfo.environment)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "uvian-worker",
        abstract: "A background-job worker that runs task plugins loaded through a stable C ABI.",
        version: UvianVersion.current,
        subcommands: [Serve.self, Run.self, Plugins.self, Plugin.self, Schedules.self, Migrate.self, PluginRunnerProcess.self],
        defaultSubcommand: Serve.self
    )
}

/// Flags that mirror the environment variables; a flag wins over the variable.
struct CommonOptions: ParsableArguments {
    @Option(help: "Path of plugins.yaml (PLUGINS_CONFIG).") var pluginsConfig: String?
    @Option(help: "Directory of the embedded SQLite file (DATA_DIR).") var dataDir: String?
    @Option(help: "Jobs run at once (MAX_CONCURRENT_TASKS).") var maxConcurrentTasks: Int?
    @Option(help: "Longest a job may run, seconds (MAX_TASK_TIMEOUT).") var maxTaskTimeout: Double?
    @Option(help: "trace|debug|info|notice|warning|error|critical (LOG_LEVEL).") var logLevel: String?
    @Option(help: "json|console (LOG_FORMAT).") var logFormat: String?

    func resolve() throws -> (WorkerConfig, Logger) {
        var config = try WorkerConfig(environment: ProcessInfo.processInfo.environment)
        if let pluginsConfig { config.pluginsConfig = pluginsConfig }
        if let dataDir { config.dataDir = dataDir }
        if let maxConcurrentTasks { config.maxConcurrentTasks = maxConcurrentTasks }
        if let maxTaskTimeout { config.maxTaskTimeout = maxTaskTimeout }
        if let logLevel { config.logLevel = logLevel.lowercased() }
        if let logFormat { config.logFormat = logFormat.lowercased() }
        try config.validate()
        guard config.maxConcurrentTasks >= 1 else { throw ValidationError("--max-concurrent-tasks must be at least 1") }
        WorkerLogHandler.bootstrap(format: WorkerLogHandler.Format(rawValue: config.logFormat) ?? .console,
                                   level: Logger.Level(rawValue: config.logLevel) ?? .info)
        var logger = Logger(label: "uvian-worker")
        logger[metadataKey: "worker.id"] = "\(config.workerId)"
        return (config, logger)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the worker and its HTTP API (the default).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Address to bind (HOST).") var host: String?
    @Option(help: "Port to bind; 0 picks a free one (PORT).") var port: Int?

    func run() async throws {
        var (config, logger) = try common.resolve()
        if let host { config.host = host }
        if let port { config.port = port }
        try await WorkerRuntime(config: config, logger: logger).serve()
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one job in-process and print its result as JSON; the exit code is 0 only if it completed.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "Task type, e.g. data_processing.") var taskType: String
    @Argument(help: "Parameters as a JSON object.") var parameters: String = "{}"
    @Option(help: "Job options as a JSON object, e.g. '{\"timeout_s\": 5}'.") var options: String?

    func run() async throws {
        var (config, logger) = try common.resolve()
        if common.logLevel == nil && ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil { logger.logLevel = .warning }
        config.maxConcurrentTasks = 1
        // Options are flags: a bad one is a usage error. Parameters are the job's: a bad one
        // fails the job like any failed task (exit 2, the reason alone, no usage text).
        let jobOptions: JobOptions
        do {
            jobOptions = try JobOptions(json: options.map { try JSONValue.parse($0) })
        } catch let error as JobOptions.Invalid {
            throw ValidationError("--options: \(error.field) \(error.message)")
        } catch {
            throw ValidationError("--options is not valid JSON: \(error)")
        }
        let params: JSONValue
        do {
            params = try JSONValue.parse(parameters)
        } catch {
            throw Self.failed("parameters are not valid JSON: \(error)")
        }
        let record: TaskRecord
        do {
            record = try await WorkerRuntime(config: config, logger: logger).runOnce(taskType: taskType, parameters: params, options: jobOptions)
        } catch Worker.SubmitError.unknownTaskType(let name, let available) {
            throw Self.failed("no plugin provides task type '\(name)'; available: \(available.joined(separator: ", "))")
        } catch Worker.SubmitError.invalidParameters(let violations) {
            throw Self.failed("invalid parameters: " + violations.map(\.description).joined(separator: "; "))
        }
        if record.status == .completed {
            print((record.result ?? .null).serialized())
        } else {
            // A failure's result (an exit code, an HTTP status) is printed as a completed one's is.
            if let result = record.result { print(result.serialized()) }
            throw Self.failed("\(record.status.rawValue): \(record.error ?? "")")
        }
    }

    /// Says why the task failed on stderr; the exit code is 2.
    private static func failed(_ reason: String) -> ExitCode {
        FileHandle.standardError.write(Data("task \(reason)\n".utf8))
        return ExitCode(2)
    }
}

struct Plugins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the plugins of plugins.yaml: what loads, what does not, and why.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() async throws {
        var (config, logger) = try common.resolve()
        if common.logLevel == nil && ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil { logger.logLevel = .critical }
        let registry = try await WorkerRuntime(config: config, logger: logger).loadPlugins()
        defer { registry.shutdownAll() }
        let entries = PluginListing.entries(registry)
        if json {
            print(JSONValue.array(entries).serialized())
            return
        }
        for entry in entries {
            let name = entry["name"]?.stringValue ?? "?"
            let state = entry["state"]?.stringValue ?? "?"
            let version = entry["version"]?.stringValue.map { " \($0)" } ?? ""
            print("\(name)\(version): \(state)")
            if let file = entry["file"]?.stringValue { print("  file: \(file)") }
            let types = entry["task_types"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            if !types.isEmpty { print("  task types: \(types.joined(separator: ", "))") }
            if let error = entry["error"]?.stringValue { print("  error: \(error)") }
        }
        if !registry.refused.isEmpty { throw ExitCode(1) }
    }
}

struct Schedules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the schedules kept in the queue's backend (REDIS_URL, or DATA_DIR's SQLite file).",
        subcommands: [Apply.self, List.self])

    /// A worker on the configured backends that runs nothing: the schedules API without serving.
    static func worker(_ common: CommonOptions) async throws -> (Worker, PluginRegistry) {
        var (config, logger) = try common.resolve()
        if common.logLevel == nil && ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil { logger.logLevel = .critical }
        let runtime = WorkerRuntime(config: config, logger: logger)
        let registry = try await runtime.loadPlugins()
        return (try await runtime.makeWorker(registry: registry), registry)
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update the schedules of a YAML file (idempotent: unchanged ones are left as they are).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The YAML file (a top-level `schedules:` list of PUT /schedules bodies with an `id`).") var file: String
        @Flag(help: "Also remove the schedules the file does not list.") var prune = false

        func run() async throws {
            let schedules: [Schedule]
            do {
                schedules = try SchedulesFile.load(path: file)
            } catch let error as SchedulesFile.Invalid {
                throw ValidationError(error.description)
            }
            let (worker, registry) = try await Schedules.worker(common)
            defer { registry.shutdownAll() }
            let existing = Dictionary(try await worker.schedules().map { ($0.schedule.id, $0.schedule) }, uniquingKeysWith: { a, _ in a })
            for schedule in schedules {
                if let stored = existing[schedule.id], schedule.matches(stored: stored) {
                    print("unchanged \(schedule.id)")
                    continue
                }
                do {
                    _ = try await worker.upsertSchedule(schedule)
                } catch Worker.SubmitError.unknownTaskType(let name, let available) {
                    throw ValidationError("\(schedule.id): no plugin provides task type '\(name)'; available: \(available.joined(separator: ", "))")
                } catch Worker.SubmitError.invalidParameters(let violations) {
                    throw ValidationError("\(schedule.id): invalid parameters: " + violations.map(\.description).joined(separator: "; "))
                }
                print("\(existing[schedule.id] == nil ? "created" : "updated") \(schedule.id)")
            }
            if prune {
                let listed = Set(schedules.map(\.id))
                for id in existing.keys.sorted() where !listed.contains(id) {
                    _ = try await worker.removeSchedule(id: id)
                    print("removed \(id)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the schedules, the soonest next run first.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let (worker, registry) = try await Schedules.worker(common)
            defer { registry.shutdownAll() }
            let all = try await worker.schedules()
            if json {
                print(JSONValue.array(all.map(\.json)).serialized())
                return
            }
            for status in all {
                let when: String
                switch status.schedule.timing.trigger {
                case .every(let ms, _): when = "every \(ms) ms"
                case .cron(let text, let zone): when = "cron \(text)" + (zone.map { " (\($0))" } ?? "")
                }
                let next = status.json["next_run_at"]?.stringValue ?? "ended"
                print("\(status.schedule.id)  \(status.schedule.taskType)  \(when)  next: \(next)  runs: \(status.iterationCount)")
            }
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the PostgreSQL migrations of DATABASE_URL (also done at start-up); safe to run from several hosts at once.")
    @OptionGroup var common: CommonOptions
    @Option(help: "PostgreSQL URL (DATABASE_URL).") var databaseURL: String?
    @Option(help: "Schema of the tables (DB_SCHEMA).") var dbSchema: String?

    func run() async throws {
        var (config, logger) = try common.resolve()
        if let databaseURL { config.databaseURL = databaseURL }
        if let dbSchema { config.dbSchema = dbSchema }
        let applied = try await WorkerRuntime(config: config, logger: logger).migrate()
        print(applied.isEmpty ? "up to date" : "applied: " + applied.map(String.init).joined(separator: ", "))
    }
}

struct Plugin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work on one plugin file.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a plugin in a throwaway child and report its ABI, task types, schemas and declared self-tests; exit 0 only if all pass.")
        @Argument(help: "The plugin's shared library.") var file: String
        @Option(help: "The plugin's config as a JSON object (its plugins.yaml `config`).") var config: String = "{}"
        @Option(help: "Seconds each self-test may take.") var timeout: Double = 30
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            let configValue: JSONValue
            do {
                configValue = try JSONValue.parse(config)
            } catch {
                throw ValidationError("--config is not valid JSON: \(error)")
            }
            guard configValue.objectValue != nil else { throw ValidationError("--config must be a JSON object") }
            guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("no such file: \(file)") }
            let logger = Logger(label: "plugin-check", factory: { _ in SwiftLogNoOpLogHandler() })
            let path = URL(fileURLWithPath: file).standardizedFileURL.path
            let report = await PluginChecker.check(file: path, config: configValue, timeout: timeout, logger: logger)
            print(json ? report.json.serialized() : report.text)
            if !report.passed { throw ExitCode(1) }
        }
    }
}

/// The child of a plugin in process isolation. Started by the worker with its pipes on fds 3 and 4.
struct PluginRunnerProcess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-runner", abstract: "Run one plugin for a worker (isolation: process); started by the worker.",
        shouldDisplay: false)

    func run() async throws {
        throw ExitCode(await PluginRunner.run())
    }
}
