import ArgumentParser
import Foundation
import UvianHost
import Hummingbird

/// Benchmark helpers for `bench/run`: the pieces that must run inside a Swift process.
@main
struct UvwBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uvw-bench", abstract: "Measurements for bench/run.",
        subcommands: [PluginCall.self, StoreWrites.self, HTTPBaseline.self])
}

struct PluginCall: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "µs per plugin call, host overhead included; prints JSON.")
    @Option var file: String
    @Option var taskType: String
    @Option var params: String = "{}"
    @Option(help: "in_process or process") var isolation: String = "in_process"
    @Option var calls: Int = 100_000
    @Option(help: "uvian-worker, for process isolation (default: next to this binary).") var runner: String?

    func run() throws {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let result = try PluginCallBenchmark.run(
            file: file, taskType: taskType, parametersJSON: params, isolation: isolation, calls: calls,
            runner: PluginRunnerCommand(executable: runner ?? here + "/uvian-worker"))
        print(#"{"calls":\#(result.calls),"seconds":\#(result.seconds),"us_per_call":\#(result.microsecondsPerCall)}"#)
    }
}

struct StoreWrites: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Task outcomes per second into PostgreSQL; prints JSON.")
    @Option var databaseURL: String
    @Option var count: Int = 5000

    func run() async throws {
        let result = try await StoreWriteBenchmark.run(databaseURL: databaseURL, count: count)
        print(#"{"count":\#(result.count),"one_by_one_per_s":\#(result.oneByOnePerSecond),"batched_per_s":\#(result.batchedPerSecond)}"#)
    }
}

/// The framework's ceiling: Hummingbird answering `POST /execute` with a fixed completed-task JSON
/// of the same shape and size as the worker's, doing nothing else.
struct HTTPBaseline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "http-baseline", abstract: "A bare Hummingbird route.")
    @Option var port: Int = 0

    static let body = #"""
    {"attempts":1,"created_at":"2026-11-26T03:03:32.051Z","error":null,"finished_at":"2026-11-26T03:03:32.053Z","max_attempts":1,"options":{"attempts":1,"backoff":{"delay":0,"jitter":0,"type":"fixed"},"delay_ms":0,"priority":0},"parameters":{"data":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100],"operation":"sum"},"progress":1,"queue":"tasks","result":{"count":100,"operation":"sum","sum":5050},"run_at":null,"started_at":"2026-11-26T03:03:32.052Z","status":"completed","task_id":"9b7d7298-66cc-40cc-9051-cfe58279b5a4","task_type":"data_processing","updated_at":"2026-11-26T03:03:32.053Z","worker_id":"bench:1"}
    """#

    func run() async throws {
        let router = Router()
        router.post("/execute") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: Self.body)))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "uvw-bench"),
            onServerRunning: { channel in
                // Unbuffered: the harness reads this line from a pipe.
                FileHandle.standardOutput.write(Data("LISTENING \(channel.localAddress?.port ?? 0)\n".utf8))
            })
        try await app.runService()
    }
}
