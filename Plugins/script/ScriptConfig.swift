import Glibc
import PluginKit
import Sandbox

/// The script plugin's `config` from plugins.yaml. Every sandbox limit is here, with the issue's
/// safe defaults; the repository's file fills the paths from the environment.
struct ScriptConfig: Sendable {
    /// Named scripts (`script: "data_analysis.py"`) are the `*.py` files of this directory.
    var scriptsDirectory: String
    /// The virtual environment every script runs in (bound read-only at /opt/venv).
    var venv: String
    /// Holds `uvw.py` (the helper module) and `uvw_net.py` (the network relay), copied into each job.
    var helperDirectory: String
    /// Job directories are made under it (created 0711, owned by the worker).
    var workDirectory: String
    /// Slot n runs as uid/gid `uidBase + n` when the worker is root.
    var uidBase: Int
    var limits: SandboxLimits
    /// Largest /job/out.json read back.
    var resultBytes: Int
    /// Named scripts allowed to reach the internet, through the egress proxy only.
    var networkScripts: Set<String>
    /// Exceptions to the proxy's SSRF rule, as FETCH_ALLOW spells them.
    var networkAllow: [String]

    static let keys: Set<String> = [
        "scripts_dir", "venv", "helper_dir", "work_dir", "uid_base", "cpu_s", "memory_mb", "processes", "open_files",
        "file_size_mb", "tmp_mb", "output_bytes", "result_bytes", "network_scripts", "network_allow",
    ]

    init(_ config: PluginConfig) throws {
        let reader = try ConfigReader(config, plugin: "script", known: Self.keys)
        guard let scripts = reader.string("scripts_dir"), let helper = reader.string("helper_dir") else {
            throw reader.failure("scripts_dir and helper_dir are required (the repository's plugins.yaml sets both)")
        }
        scriptsDirectory = scripts
        helperDirectory = helper
        venv = reader.string("venv") ?? Self.defaultVenv()
        workDirectory = reader.string("work_dir") ?? "/tmp/uvw-script-\(geteuid())"
        uidBase = try reader.integer("uid_base", default: 100_000, in: 1000...4_000_000_000)
        limits = SandboxLimits(
            cpuSeconds: try reader.integer("cpu_s", default: 10, in: 1...86_400),
            memoryMB: try reader.integer("memory_mb", default: 512, in: 64...1_048_576),
            processes: try reader.integer("processes", default: 64, in: 8...100_000),
            openFiles: try reader.integer("open_files", default: 64, in: 16...1_048_576),
            fileSizeMB: try reader.integer("file_size_mb", default: 64, in: 1...1_048_576),
            tmpSizeMB: try reader.integer("tmp_mb", default: 64, in: 1...1_048_576),
            outputBytes: try reader.integer("output_bytes", default: 1 << 20, in: 1024...(1 << 30)))
        resultBytes = try reader.integer("result_bytes", default: 16 << 20, in: 1024...(1 << 30))
        networkScripts = Set(try Self.list(reader, "network_scripts"))
        networkAllow = try Self.list(reader, "network_allow")
    }

    /// Root's home is 0700, out of the slot uids' reach: as root the venv lives under /var/cache.
    static func defaultVenv() -> String {
        if geteuid() == 0 { return "/var/cache/uvian-worker/script-venv" }
        let environment = { (name: String) in getenv(name).map { String(cString: $0) } ?? "" }
        let cache = environment("XDG_CACHE_HOME").isEmpty ? environment("HOME") + "/.cache" : environment("XDG_CACHE_HOME")
        return cache + "/uvian-worker/script-venv"
    }

    /// A list of strings, or one comma-separated string (as `${VAR:-}` gives it).
    private static func list(_ reader: ConfigReader, _ key: String) throws -> [String] {
        switch reader[key] {
        case nil, .null?: return []
        case .string(let text)?:
            return text.split(separator: ",").map { $0.split(separator: " ").joined() }.filter { !$0.isEmpty }
        case .array(let items)?:
            return try items.map { item in
                guard let text = item.stringValue else { throw reader.failure("\(key) must be a list of strings") }
                return text
            }
        default:
            throw reader.failure("\(key) must be a list of strings or a comma-separated string")
        }
    }
}
