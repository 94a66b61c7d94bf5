import Foundation
import Vader

/// The lexicon directory the project's setup installs: `$ML_MODEL_DIR/vader`, by default
/// `~/.cache/uvian-worker/models/vader`. Tests that need it are skipped when it is absent.
enum InstalledLexicon {
    static let directory: String = {
        let environment = ProcessInfo.processInfo.environment
        let models = environment["ML_MODEL_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/uvian-worker/models")
        return (models as NSString).appendingPathComponent("vader")
    }()

    static var isInstalled: Bool {
        FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(VaderLexicon.lexiconFileName))
            && FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(VaderLexicon.emojiLexiconFileName))
    }

    /// Loaded once for all tests.
    static let analyzer: SentimentAnalyzer? = {
        guard isInstalled else { return nil }
        return try? SentimentAnalyzer(lexicon: VaderLexicon(directory: directory))
    }()
}
