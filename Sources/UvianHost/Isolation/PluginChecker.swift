import Foundation
import JSON
package import Logging
import PluginAPI
import Synchronization

/// `uvian-worker plugin check <file>`: the conformance check a plugin author runs before
/// publishing. The plugin is loaded in a throwaway plugin-runner child (its constructors and
/// crashes cannot touch the checker), described, self-tested, and shut down.
package enum PluginChecker {
    package struct TypeReport: Sendable {
        package var name: String
        package var schema: String
        /// "passed", "failed", or "none" when the type declares no self-test.
        package var selfTest: String
        package var detail: String?
    }

    package struct Report: Sendable {
        package var file: String
        package var sha256: String?
        package var error: String?
        package var description: PluginDescription?
        package var types: [TypeReport] = []
        package var shutdown: String?

        package var passed: Bool {
            error == nil && description != nil && types.allSatisfy { $0.selfTest != "failed" }
                && shutdown == "exited with status 0"
        }

        package var json: JSONValue {
            var object: [String: JSONValue] = [
                "file": .string(file), "passed": .bool(passed),
                "error": error.map { .string($0) } ?? .null,
                "sha256": sha256.map { .string($0) } ?? .null,
                "shutdown": shutdown.map { .string($0) } ?? .null,
                "host_abi": .string("\(UVW_ABI_MAJOR).\(UVW_ABI_MINOR)"),
            ]
            if let description {
                object["name"] = .string(description.name)
                object["version"] = .string(description.version)
                object["runtime"] = .string(description.runtimeName)
                object["abi"] = .string("\(description.abiMajor).\(description.abiMinorRequired)")
            }
            object["task_types"] = .array(types.map { type in
                .object(["name": .string(type.name), "schema": .string(type.schema), "self_test": .string(type.selfTest),
                         "detail": type.detail.map { .string($0) } ?? .null])
            })
            return .object(object)
        }

        package var text: String {
            var lines = ["file: \(file)"]
            if let sha256 { lines.append("sha256: \(sha256)") }
            if let description {
                lines.append("plugin: \(description.name) \(description.version), runtime \(description.runtimeName), "
                    + "ABI \(description.abiMajor).\(description.abiMinorRequired) required (host speaks \(UVW_ABI_MAJOR).\(UVW_ABI_MINOR))")
                lines.append("task types:")
                for type in types {
                    let test = type.selfTest == "none" ? "no self-test declared" : "self-test \(type.selfTest)"
                    lines.append("  \(type.name): schema \(type.schema); \(test)" + (type.detail.map { " (\($0))" } ?? ""))
                }
            }
            if let error { lines.append("error: \(error)") }
            if let shutdown { lines.append("shutdown: \(shutdown)") }
            lines.append(passed ? "PASS" : "FAIL")
            return lines.joined(separator: "\n")
        }
    }

    /// Checks the plugin at `file` with `config` as its plugins.yaml config. Blocks while it runs.
    package static func check(file: String, config: JSONValue = .object([:]), runner: PluginRunnerCommand = .current,
                             timeout: Double = 30, logger: Logger) async -> Report {
        var report = Report(file: file)
        guard let bytes = FileManager.default.contents(atPath: file) else {
            report.error = "cannot read \(file)"
            return report
        }
        report.sha256 = FileDigest.sha256Hex(bytes)
        var spec = PluginSpec(name: ((file as NSString).lastPathComponent as NSString).deletingPathExtension, path: file, config: config)
        spec.isolation = "process"
        spec.processes = 1
        let childSpec = spec
        let started: Result<(PluginProcessPool, PluginDescription), PluginProcess.StartFailure> = await onThread {
            Result { () throws(PluginProcess.StartFailure) in try PluginProcessPool.start(runner, path: file, spec: childSpec, logger: logger) }
        }
        let pool: PluginProcessPool
        switch started {
        case .failure(let failure):
            report.error = failure.description
            return report
        case .success(let (startedPool, description)):
            pool = startedPool
            report.description = description
        }
        for type in report.description?.taskTypes ?? [] {
            report.types.append(await selfTest(type, pool: pool, timeout: timeout, logger: logger))
        }
        await onThread { pool.shutdown() }
        report.shutdown = pool.exitReasons.last ?? "did not exit"
        return report
    }

    private static func selfTest(_ type: TaskTypeInfo, pool: PluginProcessPool, timeout: Double, logger: Logger) async -> TypeReport {
        var report = TypeReport(name: type.name, schema: type.schema == nil ? "none (any object)" : "valid", selfTest: "none")
        guard let paramsText = type.exampleParamsJSON else { return report }
        report.selfTest = "failed"
        let params: JSONValue
        do {
            params = try JSONValue.parse(paramsText)
        } catch {
            report.detail = "example_params_json is not valid JSON: \(error)"
            return report
        }
        // A self-test of an expected failure may send what the schema refuses (the plugin's own
        // check of its parameters is what it tests).
        let expectsFailure = type.exampleStatus != Int32(UVW_OK)
        if !expectsFailure, let violations = type.schema?.validate(params), !violations.isEmpty {
            report.detail = "example_params_json does not match the schema: " + violations.map(\.description).joined(separator: "; ")
            return report
        }
        let sink = CheckSink()
        let task = RunningTask(id: "plugin-check-\(type.name)", taskType: type.name, deadline: Date().addingTimeInterval(timeout),
                               logger: logger, sink: sink)
        let handle = TaskHandle(pointer: TaskHandleTable.shared.register(task))
        let started = ContinuousClock.now
        let bytes = Array(paramsText.utf8)
        Thread.detachNewThread {
            settleReturn(handle.pointer, status: pool.execute(typeIndex: type.index, task: handle.pointer, params: bytes))
        }
        let watchdog = Task {
            try await Task.sleep(for: .seconds(timeout + 1))
            TaskHandleTable.shared.remove(handle.pointer)
            let action = pool.abandon(task: handle.pointer)
            task.finish(.failure(.timeout, "no answer within \(Int(timeout)) s" + (action.map { "; \($0)" } ?? "")))
        }
        let outcome = await task.outcome()
        watchdog.cancel()
        let elapsed = ContinuousClock.now - started
        if expectsFailure {
            let expected = PluginOutcome.Status(abi: type.exampleStatus)
            guard outcome.status == expected else {
                report.detail = "expected it to fail with \(expected), got \(outcome.status)" + (outcome.error.map { ": \($0)" } ?? "")
                return report
            }
            if let part = type.exampleError, !(outcome.error ?? "").contains(part) {
                report.detail = "expected an error containing \"\(part)\", got \"\(outcome.error ?? "")\""
                return report
            }
            report.selfTest = "passed"
            report.detail = "failed as expected (\(expected)) in " + String(format: "%.1f ms", elapsed.inSeconds * 1000) + sink.summary
            return report
        }
        guard outcome.status == .ok else {
            report.detail = "\(outcome.status): \(outcome.error ?? "failed")"
            return report
        }
        let resultText = outcome.resultJSON ?? "null"
        guard let result = try? JSONValue.parse(resultText) else {
            report.detail = "the result is not valid JSON: \(resultText.prefix(200))"
            return report
        }
        if let expectedText = type.exampleResultJSON {
            guard let expected = try? JSONValue.parse(expectedText) else {
                report.detail = "example_result_json is not valid JSON"
                return report
            }
            guard expected == result else {
                report.detail = "expected \(expected.serialized()), got \(result.serialized())"
                return report
            }
        }
        report.selfTest = "passed"
        let millis = elapsed.inSeconds * 1000
        report.detail = String(format: "%.1f ms", millis) + sink.summary
        return report
    }

    /// Runs blocking work on a thread of its own, off the cooperative pool.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }
}

/// What a self-test's plugin did besides its result; host services are not offered.
private final class CheckSink: TaskSink {
    private let counts = Mutex((progress: 0, events: 0, logs: 0))

    func progress(_ fraction: Double, noteJSON: String?) { counts.withLock { $0.progress += 1 } }
    func emit(event: String, payloadJSON: String) { counts.withLock { $0.events += 1 } }
    func log(level: Logger.Level, _ message: String) { counts.withLock { $0.logs += 1 } }
    func invokeAsync(method: String, requestJSON: String, done: @escaping @Sendable (Int32, String) -> Void) {
        done(Int32(UVW_ERR_UNSUPPORTED), #"{"error":"host services are not available in plugin check"}"#)
    }

    var summary: String {
        let counts = counts.withLock { $0 }
        return "; \(counts.progress) progress, \(counts.events) events, \(counts.logs) log lines"
    }
}
