package import Foundation

/// Full-text search over tasks (`GET /tasks?q=`), the same on both stores: a task matches when
/// each query word begins one of the words of its task type, parameters, result or error (the
/// first `indexedBytes` of each, as JSON text). A word is a run of letters and digits, compared
/// in lower case; everything else separates words, so `example` finds `https://example.com/a`
/// and `data` finds `data_processing`. SQLite indexes the text with FTS5 (unicode61 tokenizer),
/// PostgreSQL with a `simple` tsvector of the same words.
package struct TaskSearch: Sendable, Equatable {
    package let words: [String]

    /// Each column's indexed prefix: a large result (a scraped page) is searched in its start.
    package static let indexedBytes = 65_536
    static let maxWords = 16

    /// nil when the text has no word.
    package init?(_ text: String) {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() + " " {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                words.append(String(current.prefix(64)))
                current = ""
            }
        }
        guard !words.isEmpty else { return nil }
        self.words = Array(words.prefix(Self.maxWords))
    }

    /// FTS5's query: each word a quoted prefix token (no query syntax from the user reaches it).
    var fts5Query: String { words.map { "\"\($0)\"*" }.joined(separator: " ") }
    /// PostgreSQL's `to_tsquery('simple', …)`: words hold letters and digits only.
    var tsQuery: String { words.map { "\($0):*" }.joined(separator: " & ") }

    /// `parameters.<path>=value`: the field at `path` (object keys) whose text equals `value`
    /// (a string without its quotes, a number or `true`/`false` as JSON writes them).
    package struct FieldMatch: Sendable, Equatable {
        package let path: [String]
        package let value: String

        /// nil when a key is empty or has other characters than letters, digits, `_` and `-`.
        package init?(path: [String], value: String) {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
            guard !path.isEmpty, path.count <= 8, path.allSatisfy({ !$0.isEmpty && $0.count <= 64 && $0.allSatisfy(allowed.contains) }) else {
                return nil
            }
            self.path = path
            self.value = value
        }
    }

    /// Where a page ends: its last task. The next page holds the tasks after it, newest first
    /// (`created_at` descending, then `id`); its creation time is kept for when it is deleted meanwhile.
    package struct Cursor: Sendable, Equatable {
        package let id: String
        package let createdAt: Date

        package init(id: String, createdAt: Date) {
            self.id = id
            self.createdAt = createdAt
        }

        /// `<ms since 1970>.<id>`, base64url: opaque to callers.
        package var token: String {
            Data("\(Int64((createdAt.timeIntervalSince1970 * 1000).rounded(.down))).\(id)".utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }

        package init?(token: String) {
            var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
                  let dot = text.firstIndex(of: "."), let ms = Int64(text[..<dot]) else { return nil }
            let id = String(text[text.index(after: dot)...])
            guard !id.isEmpty else { return nil }
            self.init(id: id, createdAt: Date(timeIntervalSince1970: Double(ms) / 1000))
        }
    }
}
