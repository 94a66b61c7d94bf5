import Foundation

/// The program that runs a plugin in a child process: `uvian-worker plugin-runner`.
package struct PluginRunnerCommand: Sendable, Equatable {
    package var executable: String
    package var arguments: [String]

    package init(executable: String, arguments: [String] = ["plugin-runner"]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// `PLUGIN_RUNNER` when set (a path to `uvian-worker`), else this very executable.
    package static var current: PluginRunnerCommand {
        if let path = ProcessInfo.processInfo.environment["PLUGIN_RUNNER"], !path.isEmpty {
            return PluginRunnerCommand(executable: path)
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return PluginRunnerCommand(executable: executable)
    }
}
