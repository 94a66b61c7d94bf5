import Foundation
import Testing
import Yams
import UvianHost

/// plugins.yaml is read without Yams' regular expressions (they start ICU, ~4 MB resident); what a
/// document means must not change: every scalar is checked against what `Yams.load` makes of it.
@Suite struct YAMLConfigReaderTests {
    /// What `Yams.load` gives, as JSON (how the worker read plugins.yaml before).
    private func yamsReference(_ value: Any?) -> JSONValue {
        switch value {
        case nil, is NSNull: return .null
        case let bool as Bool: return .bool(bool)
        case let int as Int: return .number(Double(int))
        case let double as Double: return .number(double)
        case let string as String: return .string(string)
        case let array as [Any?]: return .array(array.map(yamsReference))
        case let map as [AnyHashable: Any?]:
            var object: [String: JSONValue] = [:]
            for (key, item) in map { object["\(key.base)"] = yamsReference(item) }
            return .object(object)
        default:
            if let some = value, case Optional<Any>.none = some as Any? { return .null }
            return .string("\(value!)")
        }
    }

    private func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if case .number(let x) = a, case .number(let y) = b, x.isNaN, y.isNaN { return true }
        return a == b
    }

    static let spellings = [
        "", "~", "null", "Null", "NULL", "nULL", "yes", "Yes", "YES", "yEs", "no", "No", "NO", "true", "True", "TRUE",
        "tRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "y", "n",
        "0", "-0", "+0", "00", "007", "08", "0o17", "0o8", "0x1F", "0x1f", "-0x1F", "0X1F", "0x", "0b101", "-0b1_01", "0b2",
        "12", "-12", "+12", "1_000", "1__", "_1", "1_000_000_000_000", "9223372036854775807", "9223372036854775808",
        "123456789012345678901234567890", "1:30", "-1:30", "190:20:30", "1:60", "0:30", "1:5", "1:30.5", "1:30:15.25",
        "1.5", "-1.5", "+1.5", "1.", "1.e5", ".5", "-.5", "._", ".", "1e5", "1E5", "1e+5", "1e-5", "1.5e3", ".5e-3", ".5e3",
        "1_000.5_5", ".inf", "-.inf", "+.inf", ".Inf", ".INF", ".iNF", ".nan", ".NaN", ".NAN", "inf", "nan", "NaN",
        "2024-01-01", "2001-12-14t21:59:43.10-05:00", "3 MB", "abc", "<<", "=", "1 2", "0.0.0.0", "127.0.0.1",
        "${MEMORY:-512}", "+", "e5", "0e0", "1_", "0_", "0b", "0o", "1e", "1e+", ":12",
    ]

    /// Where Yams' constructor fails on what its own resolver called an integer and leaves the
    /// text: a signed zero, and integers past Int's range. They are the numbers they spell here.
    static let yamsLeavesAsText: [String: JSONValue] = [
        "-0": 0, "+0": 0, "9223372036854775808": 9_223_372_036_854_775_808.0,
        "123456789012345678901234567890": .number(123456789012345678901234567890.0),
    ]

    @Test(arguments: spellings)
    func plainScalarsMeanWhatYamsMadeOfThem(_ spelling: String) throws {
        let document = "key: \(spelling)\n"
        let ours = try YAMLConfigReader.read(document)["key"] ?? .null
        let yams = try Yams.load(yaml: document) as? [String: Any?]
        let theirs = yamsReference(yams?["key"] ?? nil)
        if let expected = Self.yamsLeavesAsText[spelling] {
            #expect(ours == expected, "\(spelling): ours \(ours)")
        } else if case .string(let text) = theirs, try Yams.load(yaml: document).map({ ($0 as? [String: Any])?["key"] is Date }) == true {
            #expect(ours == .string(spelling), "a timestamp stays its text: \(text)")
        } else {
            #expect(same(ours, theirs), "\(spelling): ours \(ours), Yams \(theirs)")
        }
    }

    @Test func quotedBlockAndTaggedScalars() throws {
        let document = """
        a: "yes"
        b: '12'
        c: |
          on
        d: !!str 12
        e: !!int "12"
        f: !!float "1.5"
        g: !!bool "yes"
        h: !!null ""
        i: !local thing
        j: >
          folded
          text
        """
        let value = try YAMLConfigReader.read(document)
        #expect(value == .object(["a": "yes", "b": "12", "c": "on\n", "d": "12", "e": 12, "f": 1.5, "g": true, "h": .null,
                                  "i": "thing", "j": "folded text"]))
        #expect(throws: YAMLConfigReader.Failure.self) { try YAMLConfigReader.read("a: !!int twelve") }
    }

    @Test func anchorsAliasesAndMergeKeysAsYamsDoes() throws {
        let document = """
        defaults: &defaults
          timeout_s: 30
          isolation: process
          limits: &limits {memory_mb: 512}
        other: &other {timeout_s: 5, retries: 2}
        plugins:
          - name: a
            <<: *defaults
            timeout_s: 10
          - name: b
            <<: [*other, *defaults]
            extra: *limits
          - "<<": not a merge
        """
        let ours = try YAMLConfigReader.read(document)
        #expect(same(ours, yamsReference(try Yams.load(yaml: document))))
        #expect(ours["plugins"]?[0]?["timeout_s"] == 10)
        #expect(ours["plugins"]?[1]?["timeout_s"] == 5)
        #expect(ours["plugins"]?[1]?["isolation"] == "process")
        #expect(ours["plugins"]?[2]?["<<"] == "not a merge")
    }

    @Test func theRepositorysPluginsFileReadsAsBefore() throws {
        for path in ["plugins.yaml"] {
            let text = try String(contentsOfFile: TestPaths.repoRoot + "/" + path, encoding: .utf8)
            #expect(try YAMLConfigReader.read(text) == yamsReference(try Yams.load(yaml: text)), "\(path)")
        }
    }

    @Test func malformedDocumentsAreErrorsNotCrashes() {
        for text in ["a: [1, 2", "a: *missing", "? [1, 2]\n: x", "a: 1\n a: 2", "\t- x"] {
            #expect(throws: (any Error).self, "\(text)") { try YAMLConfigReader.read(text) }
        }
    }
}
