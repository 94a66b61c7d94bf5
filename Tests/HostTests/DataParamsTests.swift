import Foundation
import Testing
import UvianHost

/// The data plugin reads its parameters through PluginKit and the project's JSON library, the same
/// parser the host reads them with. The plugin is a dlopen'ed library, so these tests go through
/// it: numbers must come out as the stdlib's correctly rounded conversion; a document and the same
/// document spelt differently (an escape in a key) must give the same outcome; bad inputs get the
/// messages below, which name the parameter or the byte at fault.
@Suite struct DataParamsTests {
    static var plugin: LoadedPlugin? { DataPluginTests.plugin }

    // MARK: - Numbers

    /// Spellings covering the JSON number grammar: signs, exponent forms, integers past 2^53 and
    /// 2^64, more digits than a Double holds, subnormals, the range limits.
    static let numberSpellings = [
        "0", "-0", "1", "-1", "7.0e0", "0.1e1", "100e-2", "1E+2", "1e-2", "2.5E-3", "123.456e-7",
        "0.1", "0.2", "0.30000000000000004", "96.83216319164063", "-73.15154734483036", "0.000001",
        "12345678901234567890", "-12345678901234567890", "18446744073709551615", "18446744073709551616",
        "9007199254740992", "9007199254740993", "9007199254740995", "1e22", "1e23", "4.35e22",
        "123456789012345678901234567890e-10", "1.00000000000000000000000000001",
        "3.141592653589793238462643383279", "0.000000000000000000000000000001234",
        "1.7976931348623157e308", "2.2250738585072014e-308", "2.2250738585072011e-308",
        "4.9e-324", "5e-324", "1e-320", "0e-400", "0.0e999", "-0.0", "0e12", "0.0e5",
    ]

    @Test(arguments: numberSpellings)
    func numbersAreReadLikeTheStdlibReadsThem(_ spelling: String) async throws {
        let plugin = try #require(Self.plugin)
        let expected = try #require(Double(spelling))
        // statistics of one value: sum, min and max are that value exactly.
        let outcome = try await DirectCall.run(plugin, "data_processing", #"{"operation":"statistics","data":[\#(spelling)]}"#)
        let result = try JSONValue.parse(outcome.resultJSON ?? "null")
        #expect(result["min"]?.doubleValue == expected, "\(spelling): \(outcome)")
        #expect(result["max"]?.doubleValue == expected, "\(spelling): \(outcome)")
        // And in an object item, through `field`.
        let inObject = try await DirectCall.run(
            plugin, "data_processing", #"{"operation":"sum","field":"v","data":[{"v":\#(spelling),"w":[1,{"z":null}]}]}"#)
        #expect(try JSONValue.parse(inObject.resultJSON ?? "null")["sum"]?.doubleValue == expected, "\(spelling): \(inObject)")
    }

    /// Zeros with an exponent, and values below the smallest subnormal: all zero, as the stdlib
    /// (and Python's json) reads them. (JSONDecoder called some of them out of range.)
    @Test(arguments: ["0e8", "0E1", "0.00e5", "0.000e5", "0e12", "0e-8", "-0e8", "0e0", "0.0e5", "0.0e999", "0e-400", "1e-400"])
    func zerosWithAnExponentAreZero(_ spelling: String) async throws {
        let plugin = try #require(Self.plugin)
        let outcome = try await DirectCall.run(plugin, "data_processing", #"{"operation":"sum","data":[\#(spelling)]}"#)
        #expect(try JSONValue.parse(outcome.resultJSON ?? "null")["sum"]?.doubleValue == 0, "\(spelling): \(outcome)")
        try await expectSpellingsAgree(#"{"operation":"sum","data":[\#(spelling)]}"#)
    }

    // MARK: - The spelling of a document does not change its outcome

    @Test func handWrittenDocumentsGiveTheSameOutcomeWhateverTheirSpelling() async throws {
        for document in Self.trickyDocuments {
            try await expectSpellingsAgree(document)
        }
    }

    @Test func generatedDocumentsGiveTheSameOutcomeWhateverTheirSpelling() async throws {
        let seed = TestSeed.value()
        print("generatedDocumentsGiveTheSameOutcomeWhateverTheirSpelling: seed \(seed) (replay with UVW_TEST_SEED=\(seed))")
        var generator = DocumentGenerator(seed: seed)
        for _ in 0..<300 {
            try await expectSpellingsAgree(generator.document(), seed: seed)
        }
    }

    /// Valid documents with whitespace, nesting, unicode and nulls in every allowed place, and
    /// inputs that are not quite JSON (trailing commas, a byte order mark, duplicate keys).
    static let trickyDocuments: [String] = [
        " \n\t{ \"operation\" : \"sum\" ,\r\n \"data\" : [ 1 , 2 ,\t3 ] } \n",
        #"{"data":[1.5,-2.25,1e2,-0,0.1],"operation":"average"}"#,
        #"{"operation":"sum","field":null,"group_by":null,"fields":null,"method":null,"x":null,"y":null,"data":[4]}"#,
        #"{"operation":"sum","data":null}"#,
        #"{"operation":"count","data":[[1,[2,{}]],{"x":[null,true,false,"s"]},null,"é",[]]}"#,
        #"{"operation":"statistics","data":[{"value":1,"meta":{"a":{"b":[{"c":null}]}}},{"value":2.5e-1,"tags":["x","y"]},3]}"#,
        #"{"operation":"sum","group_by":"g","data":[{"g":"日本","value":1},{"g":"😀","value":2},{"g":"日本","value":3},{"g":"","value":4}]}"#,
        #"{"operation":"count","group_by":"g","data":[{"g":"é"},{"g":"é"},{"g":1},{"g":"1"},{"g":1.0},{"g":true},{"g":"true"},{"g":-0}]}"#,
        "{\"operation\":\"count\",\"group_by\":\"g\",\"data\":[{\"g\":\"a\u{7F}b\"},{\"g\":\"tab\u{2028}sep\"}]}",
        #"{"operation":"sum","group_by":"g","data":[{"g":null,"value":1}]}"#,
        #"{"operation":"sum","group_by":"g","data":[{"g":[1],"value":1}]}"#,
        #"{"operation":"correlation","x":[1,2,3,4.5],"y":[2,4,6.5,9],"method":"spearman"}"#,
        #"{"operation":"correlation","fields":["p","q"],"data":[{"p":1,"q":2},{"p":2,"q":4.5},{"p":3,"q":5}],"method":null}"#,
        #"{"operation":"correlation","fields":["p","q"],"group_by":"k","data":[{"k":"a","p":1,"q":2},{"k":"a","p":2,"q":1},{"k":"b","p":3,"q":3},{"k":"b","p":4,"q":5}]}"#,
        // Values a Double cannot hold: reported per item, or counted without complaint.
        #"{"operation":"sum","data":[1,1e999]}"#,
        #"{"operation":"sum","data":[{"value":-1e999}]}"#,
        #"{"operation":"count","data":[1e999,1e-400,2.4703282292062327e-324]}"#,
        #"{"operation":"sum","data":[1e-400]}"#,
        #"{"operation":"sum","data":[2.4703282292062328e-324,0e-999]}"#,
        // Errors found after reading, from wrong kinds of values in the right places.
        #"{"operation":"sum","data":[1,"2",true,null]}"#,
        #"{"operation":"sum","data":[{"value":"1"}]}"#,
        #"{"operation":"median","data":[1]}"#,
        #"{"operation":"correlation","x":[1,2],"y":[1,2],"field":"v"}"#,
        #"{"operation":"sum","data":[1],"method":"pearson"}"#,
        // What JSONDecoder let through (trailing commas, a byte order mark) and duplicate keys.
        #"{"operation":"sum","data":[1,2,],}"#,
        #"{"operation":"sum","data":[01,1.,-]}"#,
        #"{"operation":"sum","data":[1,2],"data":[5]}"#,
        #"{"operation":"sum","data":[{"value":1,"value":2}]}"#,
        #"{"operation":"count","group_by":"g","data":[{"g":"é","g":"x"}]}"#,
        "\u{FEFF}{\"operation\":\"sum\",\"data\":[1]}",
        #"{"operation":"sum","data":["\ud800"]}"#,
        #"{"operation":"count","group_by":"g","data":[{"g":"a\"b"},{"g":"a\u0022b"},{"g":"\/\\\b\f\n\r\t\u00e9\ud83d\ude00"}]}"#,
        #"{"operation":"count","data":["# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "]}",
        #"{"operation":"count","data":["# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "]}",
        // Not JSON, or not the right shape.
        #"{"operation":"sum","data":[1]} x"#,
        #"{"operation":"sum","data":[1]"#,
        #"{"operation":"sum","data":[+1]}"#,
        #"{"operation":"sum","data":[1 2]}"#,
        "{\"operation\":\"sum\",\"data\":[1]}\u{0C}",
        #"{"operation":"sum","data":5}"#,
        #"{"operation":"sum","data":{"a":1}}"#,
        #"{"operation":"sum","fields":[1]}"#,
        #"{"operation":"sum","fields":[null]}"#,
        #"{"operation":"sum","field":1}"#,
        #"{"operation":"sum","group-by":"g","data":[1]}"#,
        #"{"operation":1,"data":[1]}"#,
        #"{"operation":null,"data":[1]}"#,
    ]

    /// `document` and the same document with its `"operation"` key spelt with an escape: the two
    /// must give the same outcome, but for the byte offsets of a parse error (the escape is five
    /// bytes longer).
    private func expectSpellingsAgree(_ document: String, seed: UInt64? = nil) async throws {
        let plugin = try #require(Self.plugin)
        let escaped = document.replacingOccurrences(of: #""operation""#, with: #""\u006fperation""#)
        try #require(escaped != document, "\(document) has no operation key to escape")
        var plain = try await DirectCall.run(plugin, "data_processing", document)
        var spelt = try await DirectCall.run(plugin, "data_processing", escaped)
        plain.error = plain.error.map(Self.withoutOffset)
        spelt.error = spelt.error.map(Self.withoutOffset)
        #expect(plain == spelt, "\(document)\n  plain: \(plain)\n  escaped key: \(spelt)\(seed.map { "\n  seed: \($0)" } ?? "")")
    }

    private static func withoutOffset(_ message: String) -> String {
        message.replacingOccurrences(of: #"at byte \d+"#, with: "at byte N", options: .regularExpression)
    }

    // MARK: - Messages

    /// What a user sees for parameters the plugin cannot read.
    static let refusedInputs: [(String, String)] = [
        (#"{"operation":"sum","data":[1],"group-by":"g"}"#,
         "unknown parameter 'group-by' (expected one of: operation, data, field, fields, x, y, method, group_by)"),
        (#"{"operation":"sum","data":[1,1e999]}"#, "parameters are not valid JSON: invalid JSON at byte 29: number out of range"),
        (#"{"operation":"sum","data":[{"value":1e999}]}"#, "parameters are not valid JSON: invalid JSON at byte 36: number out of range"),
        (#"{"operation":1,"data":[1]}"#, "operation must be a string"),
        (#"{"operation":null,"data":[1]}"#, "operation must be a string, not null"),
        (#"{"data":[1]}"#, "operation is required"),
        ("{}", "operation is required"),
        ("", "operation is required"),
        ("[1]", "the parameters must be a JSON object"),
        ("  ", "parameters are not valid JSON: invalid JSON at byte 2: unexpected end of input, expected a value"),
        (#"{"operation":"sum","data":[1]} x"#, "parameters are not valid JSON: invalid JSON at byte 31: unexpected 'x' after the JSON value"),
        (#"{"operation":"sum","data":[1"#, "parameters are not valid JSON: invalid JSON at byte 28: unexpected end of input, expected ',' or ']'"),
        (#"{"operation":"sum","data":[+1]}"#, "parameters are not valid JSON: invalid JSON at byte 27: expected a value, found '+'"),
        (#"{"operation":"sum","data":5}"#, "data must be an array"),
        (#"{"operation":"sum","field":1}"#, "field must be a string"),
        (#"{"operation":"sum","fields":{"a":1}}"#, "fields must be an array of strings"),
        (#"{"operation":"sum","fields":[1]}"#, "fields[0] must be a string"),
        (#"{"operation":"sum","fields":[null]}"#, "fields[0] must be a string, not null"),
        (#"{"operation":"sum","data":["\ud800"]}"#,
         "parameters are not valid JSON: invalid JSON at byte 28: lone surrogate \\uD800 (high surrogate without a low surrogate)"),
    ]

    @Test func refusedInputsSayWhy() async throws {
        let plugin = try #require(Self.plugin)
        for (input, message) in Self.refusedInputs {
            let outcome = try await DirectCall.run(plugin, "data_processing", input)
            #expect(outcome.status == .invalidParams, "\(input): \(outcome)")
            #expect(outcome.error == message, "\(input): \(outcome.error ?? "nil")")
        }
    }

    @Test func duplicateKeysAndEscapesAreReadAsTheHostReadsThem() async throws {
        let plugin = try #require(Self.plugin)
        let cases: [(String, String)] = [
            // Duplicate keys: the last one wins, as in the host (and JavaScript).
            (#"{"operation":"sum","data":[1,2],"data":[5]}"#, #"{"count":1,"operation":"sum","sum":5}"#),
            (#"{"operation":"sum","data":[{"value":1,"value":2}]}"#, #"{"count":1,"operation":"sum","sum":2}"#),
            // Escapes in labels and keys.
            (#"{"operation":"count","group_by":"g","data":[{"g":"a\"b"},{"g":"a\u0022b"}]}"#,
             #"{"group_by":"g","groups":[{"count":2,"group":"a\"b"}],"operation":"count"}"#),
            (#"{"operation":"sum","data":[1,2.5],"gr\u006fup_by":null}"#, #"{"count":2,"operation":"sum","sum":3.5}"#),
        ]
        for (input, result) in cases {
            let outcome = try await DirectCall.run(plugin, "data_processing", input)
            #expect(outcome.status == .ok, "\(input): \(outcome)")
            #expect(outcome.resultJSON == result, "\(input): \(outcome.resultJSON ?? "nil")")
        }
    }

    @Test func invalidUTF8IsRefusedWhereItIs() async throws {
        let plugin = try #require(Self.plugin)
        func bytes(_ before: String, _ raw: [UInt8], _ after: String) -> [UInt8] { Array(before.utf8) + raw + Array(after.utf8) }
        let cases: [([UInt8], String)] = [
            (bytes(#"{"operation":""#, [0xED, 0xA0, 0x80], #"","data":[1]}"#), "parameters are not valid JSON: invalid JSON at byte 14: invalid UTF-8 sequence"),
            (bytes(#"{"operation":"sum","data":[""#, [0xC3, 0x28], #""]}"#), "parameters are not valid JSON: invalid JSON at byte 28: invalid UTF-8 sequence"),
            (bytes(#"{"operation":"sum","data":[{""#, [0xFF], #"":1}]}"#), "parameters are not valid JSON: invalid JSON at byte 29: invalid UTF-8 (byte 0xff)"),
            (bytes(#"{"operation":"s"#, [0], #"m","data":[1]}"#),
             "parameters are not valid JSON: invalid JSON at byte 15: control character (byte 0x00) in string must be escaped"),
        ]
        for (input, message) in cases {
            let outcome = try await DirectCall.run(plugin, "data_processing", bytes: input)
            #expect(outcome.status == .invalidParams, "\(input): \(outcome)")
            #expect(outcome.error == message, "\(input): \(outcome.error ?? "nil")")
        }
    }

    // MARK: - Generated documents

    /// Random `data_processing` documents (seeded, so a failure is reproducible): every operation,
    /// number spellings of every kind, object items with nested extras, unicode and non-string
    /// group labels, null optional keys, keys in any order, whitespace between any tokens.
    struct DocumentGenerator {
        private var random: SeededGenerator

        init(seed: UInt64) { random = SeededGenerator(seed: seed) }

        private mutating func next() -> UInt64 { random.next() }

        private mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }

        private mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...choices.count - 1)] }

        private mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

        private mutating func space() -> String { pick(["", "", "", " ", "\n", "\t", "\r\n  "]) }

        private mutating func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(int(0...9))) })
        }

        mutating func number() -> String {
            let sign = chance(20) ? "-" : ""
            switch int(0...7) {
            case 0: return sign + String(int(0...1000))
            case 1: return sign + String(int(1...9)) + digits(int(14...24))
            case 2: return sign + "\(Double(bitPattern: next() & 0x7FEF_FFFF_FFFF_FFFF))"
            case 3: return sign + String(int(0...99_999)) + "." + digits(int(1...22))
            case 4: return sign + String(int(1...9)) + (chance(50) ? "." + digits(int(1...17)) : "")
                + pick(["e", "E"]) + pick(["", "+", "-"]) + String(int(0...330))
            case 5: return sign + "0." + String(repeating: "0", count: int(0...30)) + digits(int(1...19))
            case 6: return sign + "\(Double(int(-1_000_000...1_000_000)) / 1000)"
            default: return pick(["0", "-0", "0.0", "5e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
                                  "9007199254740993", "0.1", "1e999", "1e-400"])
            }
        }

        private mutating func label() -> String {
            pick([#""a""#, #""b""#, #""é""#, "\"e\u{301}\"", #""日本""#, #""😀""#, #""a b""#, #""""#, #""1""#,
                  "1", "1.0", "-0", "true", "false"])
        }

        /// A value nobody reads (an extra member of an object item), of any shape.
        private mutating func extra(depth: Int = 0) -> String {
            switch depth > 2 ? int(0...3) : int(0...5) {
            case 0: return number()
            case 1: return pick(["null", "true", "false", #""x""#, #""ünï""#])
            case 2: return label()
            case 3: return #""\#(digits(int(0...5)))""#
            case 4: return "[" + (0..<int(0...3)).map { _ in space() + extra(depth: depth + 1) + space() }.joined(separator: ",") + "]"
            default:
                return "{" + (0..<int(0...3)).map { i in space() + "\"k\(i)\"" + space() + ":" + space() + extra(depth: depth + 1) }
                    .joined(separator: ",") + "}"
            }
        }

        private mutating func object(_ members: [(String, String)]) -> String {
            var members = members
            for i in members.indices.reversed() { members.swapAt(i, int(0...i)) }
            return "{" + space() + members.map { "\"\($0.0)\"" + space() + ":" + space() + $0.1 }
                .joined(separator: space() + "," + space()) + space() + "}"
        }

        private mutating func array(_ count: Int, _ element: (inout Self) -> String) -> String {
            "[" + space() + (0..<count).map { _ in element(&self) }.joined(separator: space() + "," + space()) + space() + "]"
        }

        private mutating func item(field: String, groupBy: String?) -> String {
            if chance(25) && groupBy == nil { return number() }
            var members: [(String, String)] = []
            if !chance(3) { members.append((field, chance(3) ? pick([#""1""#, "null", "true"]) : number())) }
            if let groupBy, !chance(3) { members.append((groupBy, label())) }
            for i in 0..<int(0...2) { members.append(("extra\(i)", extra())) }
            return object(members)
        }

        mutating func document() -> String {
            var members: [(String, String)] = []
            let operation = pick(["sum", "average", "count", "statistics", "correlation", "sum", "statistics"])
            members.append(("operation", "\"\(operation)\""))
            let groupBy: String? = chance(40) ? "g" : nil
            if let groupBy { members.append(("group_by", "\"\(groupBy)\"")) }
            if operation == "correlation" {
                if chance(50) {
                    let n = int(1...12)
                    members.append(("x", array(n) { $0.number() }))
                    members.append(("y", array(chance(90) ? n : n + 1) { $0.number() }))
                } else {
                    members.append(("fields", #"["p","q"]"#))
                    members.append(("data", array(int(0...12)) { g in
                        var m: [(String, String)] = [("p", g.number()), ("q", g.number())]
                        if let groupBy { m.append((groupBy, g.pick([#""a""#, #""b""#, "1"]))) }
                        if g.chance(30) { m.append(("z", g.extra())) }
                        return g.object(m)
                    }))
                }
                if chance(50) { members.append(("method", pick([#""pearson""#, #""spearman""#, "null"]))) }
            } else {
                let field = pick(["value", "value", "amount", "日本"])
                if field != "value" || chance(20) { members.append(("field", "\"\(field)\"")) }
                members.append(("data", array(int(0...40)) { $0.item(field: field, groupBy: groupBy) }))
            }
            for key in ["field", "group_by", "fields", "method", "x", "y"] where chance(15) && !members.contains(where: { $0.0 == key }) {
                members.append((key, "null"))
            }
            return space() + object(members) + space()
        }
    }
}
