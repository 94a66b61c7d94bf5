import Glibc
import PluginKit
import Sandbox

/// One page of a PDF's text.
struct PDFPage: Sendable {
    var number: Int
    var text: String
    /// Read by tesseract from the rendered page.
    var ocr = false
    /// tesseract's mean word confidence, 0–100.
    var ocrConfidence: Double?
}

struct PDFExtraction: Sendable {
    var info: PDFInfo
    var pageCount: Int
    var pages: [PDFPage]
    /// pdftotext's output went past what is kept of it (max_characters' bytes).
    var truncated: Bool
    /// Pages that needed OCR beyond max_ocr_pages.
    var ocrSkipped: [Int]
    /// What poppler complained about while still producing text (a damaged file it repaired), at most 5 lines.
    var warnings: [String]
}

/// A PDF's metadata and per-page text with poppler's tools (pdfinfo, pdftotext in reading order,
/// without -layout), and OCR of pages without a text layer (pdftoppm at ocr_dpi, tesseract).
struct PDFExtractor {
    let tools: ToolRunner
    let config: DocumentsConfig
    let context: TaskContext

    static let input = "in.pdf"
    static let passwordVariable = "UVW_PDF_PASSWORD"

    // Each takes its arguments positionally and the password from the environment, so nothing
    // the client sent is ever parsed by the shell.
    static let textScript = #"""
    for range in "$@"; do
      first=${range%:*}; last=${range#*:}
      if [ -n "${UVW_PDF_PASSWORD-}" ]; then
        pdftotext -enc UTF-8 -f "$first" -l "$last" -opw "$UVW_PDF_PASSWORD" -upw "$UVW_PDF_PASSWORD" /job/in.pdf - || exit $?
      else
        pdftotext -enc UTF-8 -f "$first" -l "$last" /job/in.pdf - || exit $?
      fi
    done
    """#

    /// With `ocr: auto`, a page with neither text nor an image is blank (a separator page) and is not rendered.
    static let ocrScript = #"""
    dpi=$1; languages=$2; mode=$3; shift 3
    for page in "$@"; do
      if [ "$mode" != auto ]; then
        images=always
      elif [ -n "${UVW_PDF_PASSWORD-}" ]; then
        images=$(pdfimages -list -f "$page" -l "$page" -opw "$UVW_PDF_PASSWORD" -upw "$UVW_PDF_PASSWORD" /job/in.pdf) || exit $?
      else
        images=$(pdfimages -list -f "$page" -l "$page" /job/in.pdf) || exit $?
      fi
      if [ "$images" != always ] && [ "$(printf '%s\n' "$images" | wc -l)" -le 2 ]; then
        echo "blank $page" >&4
        continue
      fi
      if [ -n "${UVW_PDF_PASSWORD-}" ]; then
        pdftoppm -r "$dpi" -gray -png -singlefile -f "$page" -l "$page" -opw "$UVW_PDF_PASSWORD" -upw "$UVW_PDF_PASSWORD" /job/in.pdf /job/out/page || { echo "failed $page pdftoppm" >&4; exit 1; }
      else
        pdftoppm -r "$dpi" -gray -png -singlefile -f "$page" -l "$page" /job/in.pdf /job/out/page || { echo "failed $page pdftoppm" >&4; exit 1; }
      fi
      tesseract /job/out/page.png "/job/out/ocr-$page" -l "$languages" --dpi "$dpi" txt tsv || { echo "failed $page tesseract" >&4; exit 1; }
      rm -f /job/out/page.png
      echo "read $page" >&4
    done
    """#

    func extract(_ bytes: [UInt8], params: DocumentParams) throws -> PDFExtraction {
        let job: JobDirectory
        do {
            job = try JobDirectory.create(in: config.workDirectory)
            try job.write(Self.input, bytes)
        } catch {
            throw TaskError(.internal, "cannot prepare the job directory: \(error)")
        }
        defer { try? job.remove() }
        var environment: [String: String] = [:]
        if let password = params.password, !password.isEmpty { environment[Self.passwordVariable] = password }

        let info = try readInfo(job, environment: environment, password: params.password)
        guard let pageCount = info.pageCount else {
            throw DocumentFailure.invalidDocument("pdfinfo reported no page count")
        }
        let selected = params.pages.map { $0.pages(of: pageCount) } ?? Array(1..<(pageCount + 1))
        if params.pages != nil && selected.isEmpty {
            throw TaskError.permanent("pages: none of the pages asked for exist (the document has \(pageCount) page\(pageCount == 1 ? "" : "s"))")
        }
        guard selected.count <= config.maxPages else {
            throw DocumentFailure.limit("max_pages", "\(params.pages == nil ? "the document has" : "the selection has") \(selected.count) pages, more than the limit of \(config.maxPages); choose pages with `pages` (e.g. \"1-\(config.maxPages)\")")
        }
        try context.checkCancellation()

        var extraction = PDFExtraction(info: info, pageCount: pageCount, pages: [], truncated: false, ocrSkipped: [], warnings: [])
        if !selected.isEmpty { try readText(job, pages: selected, environment: environment, into: &extraction) }
        try context.checkCancellation()
        try recognize(job, params: params, environment: environment, into: &extraction)
        return extraction
    }

    private func readInfo(_ job: JobDirectory, environment: [String: String], password: String?) throws -> PDFInfo {
        var command = ["/usr/bin/pdfinfo", "-isodates", "-enc", "UTF-8"]
        if let password, !password.isEmpty { command += ["-opw", password, "-upw", password] }
        command.append("/job/" + Self.input)
        let result = try tools.run(command, in: job, context: context)
        guard result.exitCode == 0 else { throw failure(result, password: password) }
        return PDFInfo(output: result.stdoutText)
    }

    private func readText(_ job: JobDirectory, pages: [Int], environment: [String: String], into extraction: inout PDFExtraction) throws {
        let runs = PageSelection.runs(pages).map { "\($0.lowerBound):\($0.upperBound)" }
        let result = try tools.run(["/bin/sh", "-c", Self.textScript, "sh"] + runs, name: "pdftotext", in: job, context: context, environment: environment)
        guard result.exitCode == 0 else { throw failure(result, password: environment[Self.passwordVariable]) }
        extraction.warnings = Array(ToolRunner.distinctLines(result.stderrText).prefix(5))

        // pdftotext ends every page with a form feed; what follows the last one is nothing.
        var texts = result.stdout.split(separator: 0x0C, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if texts.count > pages.count { texts.removeLast(texts.count - pages.count) }
        // Cut to max_characters later, on the text as returned (PDFDocument); pages past what
        // pdftotext's capped output holds are not there at all.
        for (index, number) in pages.enumerated() where index < texts.count {
            extraction.pages.append(PDFPage(number: number, text: texts[index]))
        }
        if result.stdoutTruncated { extraction.truncated = true }
    }

    /// OCR: with `auto` the pages without a character of text, with `always` every page, up to
    /// max_ocr_pages; pages without an image are blank and stay as they are.
    private func recognize(_ job: JobDirectory, params: DocumentParams, environment: [String: String], into extraction: inout PDFExtraction) throws {
        guard params.ocr != .never else { return }
        let wanted = extraction.pages.indices.filter { index in
            params.ocr == .always || extraction.pages[index].text.allSatisfy(\.isWhitespace)
        }
        guard !wanted.isEmpty else { return }
        // Without tesseract (a deployment that left it out) every page that wanted OCR is listed as skipped.
        let limit = tools.hasTesseract ? config.maxOCRPages : 0
        let chosen = Array(wanted.prefix(limit))
        extraction.ocrSkipped = wanted.dropFirst(limit).map { extraction.pages[$0].number }
        guard !chosen.isEmpty else { return }

        let numbers = chosen.map { extraction.pages[$0].number }
        var done = 0
        var blank = Set<Int>()
        var failedStep = ""

        let context = self.context
        let command = ["/bin/sh", "-c", Self.ocrScript, "sh", String(config.ocrDPI), params.languages.joined(separator: "+"), params.ocr.rawValue] + numbers.map(String.init)
        let result = try tools.run(command, name: "OCR (pdftoppm and tesseract)", in: job, context: context, environment: environment) { line in
            let words = String(decoding: line, as: UTF8.self).split(separator: " ")
            if words.count == 2, words[0] == "blank", let page = Int(words[1]) { blank.insert(page) }
            if words.count == 3, words[0] == "failed" {
                failedStep = "\(words[2]) on page \(words[1])"
                return
            }
            done += 1
            context.progress(Double(done) / Double(numbers.count), noteJSON: #"{"note":"OCR \#(done)/\#(numbers.count) pages"}"#)
        }
        guard result.exitCode == 0 else {
            // The page rendered or opened before, so a failure here is nearly always resources.
            let limits = tools.limits
            throw TaskError.permanent("ocr_failed: \(failedStep.isEmpty ? "OCR" : failedStep) failed: \(ToolRunner.reason(result.stderrText, fallback: "exit status \(result.exitCode ?? -1)")) (limits: memory_mb \(limits.memoryMB), cpu_s \(limits.cpuSeconds))")
        }
        for index in chosen where !blank.contains(extraction.pages[index].number) {
            let number = extraction.pages[index].number
            let limit = config.maxCharacters * 4 + 4096
            guard let text = job.readOutput("out/ocr-\(number).txt", limit: limit),
                  let table = job.readOutput("out/ocr-\(number).tsv", limit: limit * 8) else {
                throw DocumentFailure.invalidDocument("OCR of page \(number) produced no output")
            }
            var page = extraction.pages[index]
            page.text = String(decoding: text, as: UTF8.self).trimmingCharacters(in: "\u{0C}\n ")
            page.ocr = true
            page.ocrConfidence = TesseractTSV.meanConfidence(String(decoding: table, as: UTF8.self))
            extraction.pages[index] = page
        }
    }

    /// pdfinfo/pdftotext failing: a password problem, or a document poppler cannot read.
    private func failure(_ result: SandboxResult, password: String?) -> TaskError {
        let stderr = result.stderrText
        if stderr.contains("Incorrect password") {
            return DocumentFailure.passwordRequired((password ?? "").isEmpty
                ? "the PDF is encrypted: give its password in `password`"
                : "the password given does not open the PDF")
        }
        return DocumentFailure.invalidDocument(ToolRunner.reason(stderr, fallback: "poppler could not read the PDF (exit status \(result.exitCode ?? -1))"))
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
