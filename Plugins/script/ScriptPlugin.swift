import GuardedFetch
import Glibc
public import PluginKit
import Sandbox

/// The `script` plugin: task type `custom_script`, a user's Python (inline, or a script shipped in
/// the scripts directory) run in the sandbox library's bubblewrap jail with the scripts' virtual
/// environment, its output and /job/out.json read back.
final class ScriptPlugin: Plugin {
    static let name = "script"
    static let version = "1.0.0"
    /// Says what the sandbox has on this host (the issue asks /plugins to tell cgroups from rlimits).
    static var description: String { "Python scripts in a sandbox: " + hostSupport.description }

    /// Probed once per process, when the plugin is loaded (about 20 ms: one sandboxed /bin/true).
    static let hostSupport = Sandbox.probe()

    static var taskTypes: [TaskType<ScriptPlugin>] {
        [
            .sync("custom_script", schema: ScriptParams.schema,
                  description: "a Python script (inline source or a shipped script's name) with JSON args, in a sandbox",
                  flags: [.cancellable, .blocking]) { (plugin: ScriptPlugin, params: ScriptParams, context: TaskContext) in
                try ScriptRun(plugin: plugin, params: params, context: context).run()
            }
            // A real run: the sandbox, the venv and the helper module all have to work.
            .selfTest(params: #"{"script":"import uvw\nuvw.result(uvw.args * 2)","args":21}"#),
        ]
    }

    let config: ScriptConfig
    let sandbox: Sandbox
    let slots = SlotPool()
    let helperModule: [UInt8]
    let networkRelay: [UInt8]
    let destinationGuard: DestinationGuard
    /// Why no script can run (the venv is missing or out of the slot uids' reach); tasks fail with it.
    let environmentProblem: String?

    init(config pluginConfig: PluginConfig, host: HostServices) throws {
        let config = try ScriptConfig(pluginConfig)
        let support = Self.hostSupport
        guard support.works else { throw TaskError.permanent("script: \(support.description)") }
        guard let helper = ScriptSource.readRegularFile(config.helperDirectory + "/uvw.py", limit: 1 << 20),
              let relay = ScriptSource.readRegularFile(config.helperDirectory + "/uvw_net.py", limit: 1 << 20) else {
            throw TaskError.permanent("script: helper_dir \(config.helperDirectory) must hold uvw.py and uvw_net.py")
        }
        self.config = config
        sandbox = Sandbox(uidBase: config.uidBase)
        helperModule = helper
        networkRelay = relay
        destinationGuard = DestinationGuard(allow: config.networkAllow)
        if !destinationGuard.invalidEntries.isEmpty {
            host.log(.warning, "script: network_allow entries ignored (unparsable): \(destinationGuard.invalidEntries.joined(separator: ", "))")
        }
        environmentProblem = Self.checkVenv(config.venv)
        if let problem = environmentProblem { host.log(.warning, "script: \(problem)") }
    }

    /// The venv must exist and, when jobs run as other uids, be reachable by them.
    static func checkVenv(_ venv: String) -> String? {
        let install = "run `bash scripts/install-script-env.sh` in a checkout (make deps does), or `uvian-worker-install-data` as root where the Debian package is installed"
        guard access(venv + "/bin/python3", X_OK) == 0, access(venv + "/pyvenv.cfg", R_OK) == 0 else {
            return "the scripts' Python environment is not installed at \(venv): \(install), or set SCRIPT_VENV"
        }
        guard geteuid() == 0 else { return nil }
        var path = ""
        for component in venv.split(separator: "/") {
            path += "/" + component
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & 0o001) != 0 else {
                return "\(path) is not traversable by other users, so the sandbox's uids cannot reach the venv \(venv); move it (SCRIPT_VENV) or chmod o+x"
            }
        }
        return nil
    }
}

@_cdecl("uvw_plugin_entry_v1")
public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
    PluginExport.descriptor(for: ScriptPlugin.self)
}
