import Foundation
import Testing
@testable import Vader

@Suite struct VaderLexiconTests {
    /// A fresh directory holding the given files, removed after `body`.
    private func withDirectory(_ files: [String: String], _ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vader-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, content) in files {
            try Data(content.utf8).write(to: directory.appendingPathComponent(name))
        }
        try body(directory.path)
    }

    @Test func missingFileIsNamed() throws {
        try withDirectory([VaderLexicon.lexiconFileName: "good\t1.9\t0.9\t[2]\r\n"]) { directory in
            #expect(throws: VaderLexiconError.missingFile(path: directory + "/" + VaderLexicon.emojiLexiconFileName)) {
                try VaderLexicon(directory: directory)
            }
        }
        #expect(throws: VaderLexiconError.self) { try VaderLexicon(directory: "/nonexistent/vader") }
        let error = VaderLexiconError.missingFile(path: "/x/vader/vader_lexicon.txt")
        #expect(error.description.contains("/x/vader/vader_lexicon.txt"))
    }

    @Test func parsesLikeThePython() throws {
        let lexicon = "good\t1.9\t0.9\t[2, 2]\r\n\n"  // an empty line (no "\r"): skipped
            + "  bad\t-2.5\t0.5\t[-2]\r\n" + ":D\t2.9\t0.8\t[3]\r\n" + "good\t1.0\t0\t[1]\r\n"
        let emoji = "😀\tgrinning face\r\n🇫🇷\tflag: France\r\n©\tcopyright"
        try withDirectory([VaderLexicon.lexiconFileName: lexicon, VaderLexicon.emojiLexiconFileName: emoji]) { directory in
            let loaded = try VaderLexicon(directory: directory)
            #expect(loaded.valences["good"] == 1.0)   // the later duplicate wins
            #expect(loaded.valences["bad"] == -2.5)   // the line is stripped before the split
            #expect(loaded.valences[":D"] == 2.9)     // kept as written (so never matched lowercased)
            #expect(loaded.valences.count == 3)       // the empty line is skipped
            #expect(loaded.emojiDescriptions[0x1F600] == "grinning face")
            #expect(loaded.emojiDescriptions[0xA9] == "copyright")
            #expect(loaded.emojiDescriptions.count == 2)  // a flag is two code points: never looked up
        }
    }

    @Test func malformedLineIsReported() throws {
        try withDirectory([VaderLexicon.lexiconFileName: "good 1.9\r\n", VaderLexicon.emojiLexiconFileName: "😀\tgrin"]) { directory in
            #expect(throws: VaderLexiconError.malformedLine(path: directory + "/" + VaderLexicon.lexiconFileName, lineNumber: 1, line: "good 1.9\r")) {
                try VaderLexicon(directory: directory)
            }
        }
    }

    @Test(.enabled(if: InstalledLexicon.isInstalled, "VADER lexicons not installed in $ML_MODEL_DIR/vader"))
    func loadsTheInstalledFiles() throws {
        let lexicon = try VaderLexicon(directory: InstalledLexicon.directory)
        #expect(lexicon.valences.count > 7_000)
        #expect(lexicon.valences["good"] == 1.9)
        #expect(lexicon.emojiDescriptions.count > 1_000)
    }
}
