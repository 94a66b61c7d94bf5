import GuardedFetch
import Glibc
import ModelFiles
import PluginFetch
import PluginKit
import Sandbox

/// The documents plugin's `config` from plugins.yaml: where documents may be read from, the
/// fetcher's SSRF exceptions, and every limit of a job (each refusal names its key).
struct DocumentsConfig: Sendable {
    /// `path` sources are files under it; nil refuses them.
    var documentsDirectory: String?
    /// English stop words (top terms, summaries): stop-words/english.txt of the model directory,
    /// installed by scripts/install-models.sh.
    var stopWordsFile: String
    var fetchPolicy: FetchPolicy
    /// Job directories of the sandboxed tools are made under it.
    var workDirectory: String
    /// Slot n of the tools' sandbox runs as uid `uidBase + n` when the worker is root (the script
    /// plugin's slots start at 100000).
    var uidBase: Int
    var maxInputBytes: Int
    var maxPages: Int
    var maxCharacters: Int
    var maxOCRPages: Int
    var ocrDPI: Int
    /// TextRank's graph is quadratic in sentences: summaries read at most this many.
    var maxSummarySentences: Int
    /// Per tool process (pdftotext, pdftoppm, tesseract).
    var toolLimits: SandboxLimits

    static let keys: Set<String> = [
        "documents_dir", "model_dir", "allow", "fetch_timeout_s", "work_dir", "uid_base", "max_input_mb",
        "max_pages", "max_characters", "max_ocr_pages", "ocr_dpi", "max_summary_sentences", "cpu_s", "memory_mb",
    ]

    init(_ config: PluginConfig) throws {
        let reader = try ConfigReader(config, plugin: "documents", known: Self.keys)
        documentsDirectory = reader.string("documents_dir").flatMap { $0.isEmpty ? nil : $0 }
        let modelDirectory = reader.string("model_dir").flatMap { $0.isEmpty ? nil : $0 } ?? ModelFile.defaultDirectory()
        stopWordsFile = modelDirectory + "/stop-words/english.txt"
        fetchPolicy = try reader.fetchPolicy()
        fetchPolicy.totalTimeout = .milliseconds(Int64(try reader.number("fetch_timeout_s", default: 60, in: 0.1...3600) * 1000))
        workDirectory = reader.string("work_dir").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/uvw-docjobs-\(geteuid())"
        uidBase = try reader.integer("uid_base", default: 101_000, in: 1000...4_000_000_000)
        maxInputBytes = try reader.integer("max_input_mb", default: 100, in: 1...4096) << 20
        fetchPolicy.maxBytes = maxInputBytes
        maxPages = try reader.integer("max_pages", default: 2000, in: 1...1_000_000)
        maxCharacters = try reader.integer("max_characters", default: 10_000_000, in: 1000...1_000_000_000)
        maxOCRPages = try reader.integer("max_ocr_pages", default: 20, in: 0...10_000)
        ocrDPI = try reader.integer("ocr_dpi", default: 300, in: 72...600)
        maxSummarySentences = try reader.integer("max_summary_sentences", default: 3000, in: 10...100_000)
        toolLimits = SandboxLimits(
            cpuSeconds: try reader.integer("cpu_s", default: 120, in: 1...86_400),
            memoryMB: try reader.integer("memory_mb", default: 1024, in: 64...1_048_576),
            processes: 16, openFiles: 64, fileSizeMB: 512, tmpSizeMB: 64,
            // pdftotext writes the text to stdout: up to 4 UTF-8 bytes per character kept, and a
            // page's worth more so the cut is seen.
            outputBytes: min(maxCharacters * 4 + (1 << 20), 1 << 31))
    }
}
