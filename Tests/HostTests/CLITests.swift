import Foundation
import Testing
import UvianHost

/// The `uvian-worker` command line: `plugins`, `run` and `--version`.
@Suite struct CLITests {
    func cli(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> (status: Int32, stdout: String) {
        let result = try await cliResult(arguments, environment: extra)
        return (result.status, result.stdout)
    }

    func cliResult(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> Subprocess.Result {
        let dir = TestPaths.temporaryDirectory("cli")
        var environment = ProcessInfo.processInfo.environment
        environment["PLUGINS_CONFIG"] = try WorkerProcess.pluginsFile(in: dir)
        environment["DATA_DIR"] = dir + "/data"
        environment["SWIFT_BACKTRACE"] = "enable=no"
        for (key, value) in extra { environment[key] = value }
        return try await Subprocess.run(TestPaths.workerBinary, arguments, environment: environment)
    }

    @Test func pluginsListsWhatLoads() async throws {
        let (status, output) = try await cli(["plugins"])
        #expect(status == 0)
        #expect(output.contains("data 1.0.0: loaded"))
        #expect(output.contains("hello-c 1.0.0: loaded"))
        #expect(output.contains("task types: data_processing"))
        #expect(output.contains("task types: echo, sleep"))
    }

    @Test func pluginsExplainsARefusal() async throws {
        let dir = TestPaths.temporaryDirectory("cli-refusal")
        let path = dir + "/plugins.yaml"
        try """
            plugins:
              - name: data
                path: \(TestPaths.dataPlugin)
              - name: broken
                path: \(try CPluginBuilder.fixture("UVW_FIX_WRONG_MAJOR"))
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try await cli(["plugins", "--plugins-config", path])
        #expect(status == 1)
        #expect(output.contains("data 1.0.0: loaded"))
        #expect(output.contains("broken: refused"))
        #expect(output.contains("error: ABI major version 2 is not supported"))
        let (_, json) = try await cli(["plugins", "--json", "--plugins-config", path])
        let entries = try JSONValue.parse(json).arrayValue ?? []
        #expect(entries.map { $0["state"]?.stringValue } == ["loaded", "refused"])
    }

    @Test func runPrintsTheResult() async throws {
        let (status, output) = try await cli(["run", "data_processing", #"{"operation":"average","data":[1,2,3,4]}"#])
        #expect(status == 0)
        #expect(try JSONValue.parse(output.trimmingCharacters(in: .whitespacesAndNewlines)) == ["operation": "average", "count": 4, "average": 2.5])
    }

    @Test func runExitsNonZeroWhenTheTaskFails() async throws {
        let (failed, _) = try await cli(["run", "fixture_fail", "{}"])
        #expect(failed == 2)
        let (timedOut, _) = try await cli(["run", "sleep", #"{"ms":5000}"#, "--options", #"{"timeout_s":0.2}"#])
        #expect(timedOut == 2)
        let (unknown, _) = try await cli(["run", "nope", "{}"])
        #expect(unknown != 0)
        let (badJSON, _) = try await cli(["run", "echo", "{oops"])
        #expect(badJSON != 0)
    }

    /// Parameters are the job's, not the command line's: bad ones fail the task like any other
    /// failure (exit 2, the reason alone), with no usage text.
    @Test func runWithInvalidParametersFailsTheTask() async throws {
        let schema = try await cliResult(["run", "data_processing", #"{"operation":"sum","data":"x"}"#])
        #expect(schema.status == 2)
        #expect(schema.stderr.hasPrefix("task invalid parameters: "), "\(schema.stderr)")
        #expect(!schema.stderr.contains("USAGE") && !schema.stderr.contains("Usage"))
        let notJSON = try await cliResult(["run", "echo", "{oops"])
        #expect(notJSON.status == 2)
        #expect(notJSON.stderr.hasPrefix("task parameters are not valid JSON: invalid JSON at byte 1"), "\(notJSON.stderr)")
        // A bad flag is still a usage error.
        let badOption = try await cliResult(["run", "echo", "{}", "--options", #"{"attempts":0}"#])
        #expect(badOption.status == 64)
        #expect(badOption.stderr.contains("--options: options.attempts must be an integer"), "\(badOption.stderr)")
    }

    @Test func printsItsVersion() async throws {
        let (status, output) = try await cli(["--version"])
        #expect(status == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == UvianVersion.current)
    }
}
