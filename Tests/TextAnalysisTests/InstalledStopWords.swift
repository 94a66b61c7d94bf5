import Foundation
import TextAnalysis

/// The list scripts/install-models.sh installs: `$ML_MODEL_DIR/stop-words/english.txt`, by default under
/// `~/.cache/uvian-worker/models`. Tests that need it are skipped when it is absent.
enum InstalledStopWords {
    static let path: String = {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        let models = environment["ML_MODEL_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (cache as NSString).appendingPathComponent("uvian-worker/models")
        return (models as NSString).appendingPathComponent("stop-words/english.txt")
    }()

    static var isInstalled: Bool { FileManager.default.fileExists(atPath: path) }

    static let list: StopWords? = {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return nil
        }
        return StopWords(listText: text)
    }()
}
