import Foundation
import GuardedFetch
import PluginFetch
import HTML
import PluginKit

/// One `web_scraping` task: the selector checked before anything is fetched, robots.txt when
/// asked, the page fetched through the guarded fetcher, parsed as browsers do, and the parts the
/// caller asked for extracted.
struct ScrapeJob {
    let plugin: ScrapingPlugin
    let params: ScrapeParams
    let context: TaskContext

    func run() throws -> JSONValue {
        let extract = try ExtractSet(params.extract, hasSelector: params.selector != nil)
        if extract.contains(.attrs) && params.selector == nil {
            throw TaskError.invalidParams("extract: attrs are the matches' attributes, so they need a selector")
        }
        // A selector that cannot be parsed fails the task before any request goes out.
        let selector: CSSSelectorList?
        do {
            selector = try params.selector.map { try CSSSelectorList($0) }
        } catch {
            throw TaskError.invalidParams("\(error)")
        }
        let request = try fetchRequest()
        let userAgent = request.userAgent ?? plugin.config.policy.userAgent
        if params.respect_robots == true {
            let allowed: Bool
            do {
                allowed = try plugin.robots.allows(url: params.url, userAgent: userAgent)
            } catch {
                throw TaskError(fetching: error)
            }
            guard allowed else {
                throw TaskError.permanent("robots_disallowed: robots.txt disallows \(params.url) for \(userAgent)")
            }
        }
        try context.checkCancellation()

        let response: FetchResponse
        do {
            response = try plugin.fetcher.fetch(request)
        } catch {
            throw TaskError(fetching: error)
        }
        try Self.checkStatus(response)
        let kind = try PageKind(contentType: response.contentType, body: response.body)
        try context.checkCancellation()

        var result: [String: JSONValue] = [
            "url": .string(params.url),
            "final_url": .string(response.finalURL),
            "status": .number(Double(response.status)),
            "content_type": response.contentType.map(JSONValue.string) ?? .null,
            "fetched_bytes": .number(Double(response.body.count)),
            "elapsed_ms": .number((response.elapsed.seconds * 1000).rounded()),
        ]
        if kind == .plainText {
            let text = String(decoding: response.body, as: UTF8.self)
            result["title"] = .null
            if selector != nil { throw TaskError.permanent("unsupported_content_type: a selector needs an HTML or XML page, not \(response.contentType ?? "text")") }
            for part in [("text", ExtractSet.text), ("content", .content), ("markdown", .markdown)] where extract.contains(part.1) {
                result[part.0] = .string(text)
            }
            return .object(result)
        }

        let document: HTMLDocument
        do {
            document = try HTMLDocument.parse(response.body, contentType: response.contentType,
                                              limits: HTMLLimits(maxBytes: max(response.body.count, 1), maxNodes: plugin.maxNodes))
        } catch {
            throw TaskError.permanent("\(error)")
        }
        let base = PageURL.base(of: document, finalURL: response.finalURL)
        let page = PageParts(document: document, base: base)
        result["title"] = page.title.map(JSONValue.string) ?? .null

        if let selector {
            let limit = params.limit ?? 100
            let selected: (matches: [HTMLNode], total: Int)
            do {
                selected = try selector.select(in: document, limit: limit)
            } catch {
                throw TaskError.permanent("\(error)")
            }
            result["count"] = .number(Double(selected.total))
            result["matches"] = .array(selected.matches.map { page.match($0, extract: extract) })
            if extract.contains(.links) { result["links"] = page.links(in: selected.matches) }
        } else {
            if extract.contains(.text) { result["text"] = .string(document.innerText(document.body ?? document.root)) }
            if extract.contains(.html) { result["html"] = .string(document.outerHTML(document.documentElement ?? document.root)) }
            if extract.contains(.links) { result["links"] = page.links(in: [document.root]) }
        }
        if !extract.isDisjoint(with: [.content, .markdown]) {
            let main = MainContent(document: document)
            let root = main.root()
            let renderer = ContentRenderer(document: document, base: base, skip: main.skips)
            if extract.contains(.content) { result["content"] = .string(renderer.text(of: root)) }
            if extract.contains(.markdown) { result["markdown"] = .string(renderer.markdown(of: root)) }
        }
        if extract.contains(.metadata) { result["metadata"] = PageMetadata(document: document, base: base).json }
        return .object(result)
    }

    /// The request: the URL's scheme checked, the caller's headers, caps within the plugin's ceilings.
    private func fetchRequest() throws -> FetchRequest {
        let lower = params.url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            let scheme = params.url.split(separator: ":", maxSplits: 1).first.map(String.init) ?? params.url
            throw TaskError.invalidParams("url: only http and https URLs are fetched, not '\(scheme)'")
        }
        var request = FetchRequest(url: params.url)
        for (name, value) in (params.headers ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard Self.isHeaderName(name), !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw TaskError.invalidParams("headers: '\(name)' is not a valid header (a token name, and a value without CR, LF or NUL)")
            }
            request.headers.append((name: name, value: value))
        }
        if let maxBytes = params.max_bytes {
            guard maxBytes <= plugin.config.maxBytesCeiling else {
                throw TaskError.invalidParams("max_bytes: at most \(plugin.config.maxBytesCeiling) on this worker")
            }
            request.maxBytes = maxBytes
        }
        var seconds = params.timeout_s ?? plugin.config.policy.totalTimeout.seconds
        guard seconds <= plugin.config.timeoutCeilingSeconds else {
            throw TaskError.invalidParams("timeout_s: at most \(plugin.config.timeoutCeilingSeconds) on this worker")
        }
        // Within the task's own deadline, leaving a moment to parse and answer.
        if let deadline = context.deadline {
            seconds = min(seconds, max(0.1, deadline.timeIntervalSinceNow - 0.25))
        }
        request.timeout = .milliseconds(Int64(seconds * 1000))
        request.userAgent = params.user_agent
        let context = self.context
        request.shouldStop = { context.isCancelled }
        return request
    }

    private static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// A status other than 2xx fails the task, with the status kept in its result; a bot
    /// challenge (403, 429 or 503 with a challenge page) is `blocked_by_site`, not content.
    static func checkStatus(_ response: FetchResponse) throws {
        guard !(200..<300).contains(response.status) else { return }
        let kept = FailedFetch(url: response.url, final_url: response.finalURL, status: response.status, content_type: response.contentType)
        let retryable = response.status == 429 || response.status >= 500
        if [403, 429, 503].contains(response.status), ChallengePage.detect(response) {
            throw TaskError(retryable ? .retryable : .permanent,
                            "blocked_by_site: \(response.finalURL) answered \(response.status) with a bot challenge", result: kept)
        }
        throw TaskError(retryable ? .retryable : .permanent, "http_status: \(response.finalURL) answered \(response.status)", result: kept)
    }
}

/// What a failed fetch keeps as the task's result.
struct FailedFetch: Encodable {
    var url: String
    var final_url: String
    var status: Int
    var content_type: String?
}
