import Glibc
import PluginKit

/// The ml plugin's `config` from plugins.yaml. The repository's file fills `model_dir` from
/// `ML_MODEL_DIR`; empty means the cache directory every worker on the machine shares, where
/// `scripts/install-models.sh` (run by `make deps`) puts the files.
struct MLConfig: Sendable {
    /// Holds `vader/`, `all-MiniLM-L6-v2/` and `geonames/`.
    var modelDirectory: String
    /// Debian's iso-codes JSON (countries and subdivisions for the entity gazetteer).
    var isoCodesDirectory: String

    init(_ config: PluginConfig) throws {
        let reader = try ConfigReader(config, plugin: "ml", known: ["model_dir", "iso_codes_dir"])
        modelDirectory = reader.string("model_dir") ?? Self.defaultModelDirectory()
        isoCodesDirectory = reader.string("iso_codes_dir") ?? "/usr/share/iso-codes/json"
    }

    /// `${XDG_CACHE_HOME:-$HOME/.cache}/uvian-worker/models`, as scripts/install-models.sh computes it.
    static func defaultModelDirectory() -> String {
        func variable(_ name: String) -> String? {
            guard let value = getenv(name) else { return nil }
            let text = String(cString: value)
            return text.isEmpty ? nil : text
        }
        let cache = variable("XDG_CACHE_HOME") ?? ((variable("HOME") ?? "/root") + "/.cache")
        return cache + "/uvian-worker/models"
    }
}
