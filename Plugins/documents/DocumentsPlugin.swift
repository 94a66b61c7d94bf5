import GuardedFetch
import Glibc
import ModelFiles
public import PluginKit
import Sandbox
import TextAnalysis

/// The `documents` plugin: task type `document_processing`. PDFs through poppler's tools (and
/// tesseract for scanned pages) in the sandbox library's jail, .docx through DocxReader, text files
/// decoded by BOM, UTF-8 or uchardet; then the text, an analysis or an extractive summary.
final class DocumentsPlugin: Plugin {
    static let name = "documents"
    static let version = "1.0.0"
    static var description: String { "PDF, DOCX and text: text, pages, tables, metadata, analysis and summaries; tools " + hostSupport.description }

    /// Probed once per process, when the plugin is loaded (one sandboxed /bin/true).
    static let hostSupport = Sandbox.probe()

    static var taskTypes: [TaskType<DocumentsPlugin>] {
        [
            .sync("document_processing", schema: DocumentParams.schema,
                  description: "text, pages, tables and metadata of a PDF, DOCX or text file; analyze; summarize",
                  flags: [.cancellable, .blocking]) { (plugin: DocumentsPlugin, params: DocumentParams, context: TaskContext) in
                try DocumentJob(plugin: plugin, params: params, context: context).run()
            }
            // A real run through the sandbox and the text statistics.
            .selfTest(params: #"{"content":"Self test. It reads two sentences.","document_type":"txt","operation":"analyze"}"#),
        ]
    }

    let config: DocumentsConfig
    let fetcher: Fetcher
    let tools: ToolRunner
    let languages: LanguageIdentifier?
    private let stopWords: StopWords?

    init(config pluginConfig: PluginConfig, host: HostServices) throws {
        let config = try DocumentsConfig(pluginConfig)
        let support = Self.hostSupport
        guard support.works else { throw TaskError.permanent("documents: the sandbox for poppler's tools: \(support.description)") }
        for tool in ["/usr/bin/pdfinfo", "/usr/bin/pdftotext", "/usr/bin/pdftoppm", "/usr/bin/pdfimages"] where access(tool, X_OK) != 0 {
            throw TaskError.permanent("documents: \(tool) is missing (Debian package poppler-utils; make deps installs it)")
        }
        let hasTesseract = access("/usr/bin/tesseract", X_OK) == 0
        if !hasTesseract {
            host.log(.warning, "documents: /usr/bin/tesseract is missing (Debian package tesseract-ocr): scanned pages stay empty, listed in ocr_skipped_pages")
        }
        self.config = config
        fetcher = Fetcher(policy: config.fetchPolicy)
        if !fetcher.invalidAllowEntries.isEmpty {
            host.log(.warning, "documents: allow entries ignored (unparsable): \(fetcher.invalidAllowEntries.joined(separator: ", "))")
        }
        tools = ToolRunner(sandbox: Sandbox(uidBase: config.uidBase), pool: SlotPool(), limits: config.toolLimits,
                           hasTesseract: hasTesseract)
        languages = LanguageIdentifier()
        if languages == nil { host.log(.warning, "documents: libexttextcat's fingerprints are missing (\(LanguageIdentifier.fingerprints)): no language in analyses") }
        if let bytes = try? ModelFile.read(config.stopWordsFile) {
            stopWords = StopWords(listText: String(decoding: bytes, as: UTF8.self))
        } else {
            stopWords = nil
            host.log(.warning, "documents: no stop words at \(config.stopWordsFile): analyze and summarize fail until scripts/install-models.sh has run")
        }
    }

    func requireStopWords() throws -> StopWords {
        guard let stopWords else {
            throw TaskError.permanent("the stop-word list is missing (\(config.stopWordsFile)): run `bash scripts/install-models.sh` (make deps does)")
        }
        return stopWords
    }
}

@_cdecl("uvw_plugin_entry_v1")
public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
    PluginExport.descriptor(for: DocumentsPlugin.self)
}
