import ModelFiles
import PluginKit

/// The ml plugin's `config` from plugins.yaml. The repository's file fills `model_dir` from
/// `ML_MODEL_DIR`; empty means the cache directory every worker on the machine shares, where
/// `scripts/install-models.sh` (run by `make deps`) puts the files.
struct MLConfig: Sendable {
    /// Holds `vader/`, `all-MiniLM-L6-v2/`, `geonames/` and `names/`.
    var modelDirectory: String
    /// Debian's iso-codes JSON (countries and subdivisions for the entity gazetteer).
    var isoCodesDirectory: String

    init(_ config: PluginConfig) throws {
        let reader = try ConfigReader(config, plugin: "ml", known: ["model_dir", "iso_codes_dir"])
        modelDirectory = reader.string("model_dir") ?? ModelFile.defaultDirectory()
        isoCodesDirectory = reader.string("iso_codes_dir") ?? "/usr/share/iso-codes/json"
    }
}
