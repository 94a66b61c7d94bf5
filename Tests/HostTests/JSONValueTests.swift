import Foundation
import Testing

import UvianHost

@Suite struct JSONValueTests {
    // MARK: Parsing

    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#" { "n": null, "t": true, "f": false, "i": -12, "d": 2.5e3, "s": "x", "a": [1, [], {}], "o": {"k": "v"} } "#)
        #expect(value["n"] == .null)
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["i"] == .number(-12))
        #expect(value["d"] == .number(2500))
        #expect(value["s"] == .string("x"))
        #expect(value["a"] == .array([.number(1), .array([]), .object([:])]))
        #expect(value["o"]?["k"] == .string("v"))
    }

    @Test func parsesTopLevelScalarsWithWhitespace() throws {
        #expect(try JSONValue.parse(" \t\r\n42\n") == .number(42))
        #expect(try JSONValue.parse("\"hi\"") == .string("hi"))
        #expect(try JSONValue.parse("null") == .null)
    }

    @Test func parsesFromBytesAndNonContiguousCollections() throws {
        let bytes: [UInt8] = Array(#"[1,"é"]"#.utf8)
        #expect(try JSONValue.parse(bytes) == [1, "é"])
        #expect(try JSONValue.parse(bytes[...]) == [1, "é"])
        #expect(try JSONValue.parse(AnyCollection(bytes)) == [1, "é"])
    }

    @Test func roundTripsThroughSerialization() throws {
        let text = #"{"a":[1,-2.5,1e-07,1.7976931348623157e+308,"x\"y\\z\n",true,false,null],"b":{"c":{}},"d":[]}"#
        let value = try JSONValue.parse(text)
        #expect(value.serialized() == text)
        #expect(try JSONValue.parse(value.serialized()) == value)
        #expect(try JSONValue.parse(value.serializedBytes()) == value)
        #expect(value.description == text)
    }

    @Test func decodesEscapes() throws {
        let value = try JSONValue.parse(#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC""#)
        #expect(value == .string("\" \\ / \u{08} \u{0C} \n \r \t A é €"))
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue.parse(#""a\uD834\uDD1Eb""#) == .string("a𝄞b"))
        // Non-ASCII is written back as UTF-8, not escaped.
        #expect(JSONValue.string("😀é").serialized() == "\"😀é\"")
    }

    @Test(arguments: [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800x""#, #""\ude00\ud83d""#])
    func rejectsLoneSurrogates(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test(arguments: [
        "", " ", "[", "[1,", "[1,]", "[,1]", #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":}"#, "{a:1}", "{'a':1}", "[1 2]",
        "NaN", "-NaN", "Infinity", "-Infinity", "nan", "inf", "01", "-01", "00", "1.", ".5", "+1", "1e", "1e+", "-", "--1",
        "0x10", "1.5.2", "tru", "truex", "nul", "True", "// c\n1", "/* c */ 1", "1 // c", #""abc"#, "\"a\tb\"",
        "\"a\nb\"", "\"\u{01}\"", #""\x""#, #""\u12""#, #""\u12G4""#, "1 2", "[] []", "\u{FEFF}1",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22],                // never valid
        [0x22, 0xC0, 0x80, 0x22],          // overlong NUL
        [0x22, 0xE0, 0x80, 0xAF, 0x22],    // overlong '/'
        [0x22, 0xED, 0xA0, 0x80, 0x22],    // UTF-8 encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // above U+10FFFF
        [0x22, 0xE2, 0x82, 0x22],          // truncated sequence
        [0x22, 0xE2, 0x82],                // truncated at end of input
        [0x22, 0x80, 0x22],                // stray continuation byte
        [0xC3, 0xA9],                      // non-ASCII outside a string
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
    }

    @Test func acceptsValidMultiByteUTF8() throws {
        let bytes: [UInt8] = [0x22, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xF4, 0x8F, 0xBF, 0xBF, 0x22]
        #expect(try JSONValue.parse(bytes) == .string("é€😀\u{10FFFF}"))
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let arrays = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(arrays) }
        let objects = String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(objects) }
        // Unterminated deep input must not crash either.
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "[", count: 100_000)) }
    }

    @Test func nestingLimitIsExactly256() throws {
        let limit = JSONValue.maxParseDepth
        #expect(limit == 256)
        let atLimit = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try JSONValue.parse(atLimit) }
        let overLimit = "[" + atLimit + "]"
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(overLimit) }
        #expect(error?.offset == limit)
        #expect(error?.message.contains("nesting") == true)
    }

    @Test func errorsReportOffsetAndMessage() {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a": 1 "b": 2}"#) }
        #expect(error?.offset == 8)
        #expect(error?.description == "invalid JSON at byte 8: expected ',' or '}', found '\"'")
        let trailing = #expect(throws: JSONParseError.self) { try JSONValue.parse("[1,]") }
        #expect(trailing?.offset == 3)
    }

    // MARK: Numbers

    @Test func parsesNumbers() throws {
        #expect(try JSONValue.parse("0") == .number(0))
        #expect(try JSONValue.parse("-0").doubleValue?.sign == .minus)
        #expect(try JSONValue.parse("0.1") == .number(0.1))
        #expect(try JSONValue.parse("1E2") == .number(100))
        #expect(try JSONValue.parse("1e-2") == .number(0.01))
        #expect(try JSONValue.parse("-123.456e+1") == .number(-1234.56))
        #expect(try JSONValue.parse("999999999999999") == .number(999_999_999_999_999))
        #expect(try JSONValue.parse("12345678901234567890") == .number(Double("12345678901234567890")!))
        #expect(try JSONValue.parse("2.2250738585072014e-308") == .number(2.2250738585072014e-308))
        #expect(try JSONValue.parse("1e-400") == .number(0))
    }

    /// The fast conversion (Clinger's, for short significands and small powers of ten) and the
    /// general one must both give exactly Python's `float` of the spelling (one `json.loads` reads;
    /// `json.loads` itself makes "-0" the integer 0), bit for bit, around their borders: 15–20
    /// significant digits, leading and trailing zeros, 2^53, 10^±22, negative zero, exponents.
    @Test func numbersAgreeWithPythonBitForBit() async throws {
        var random = TestSeed.generator(for: "numbersAgreeWithPythonBitForBit")
        let seed = random.seed
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
        }
        var spellings = ["9007199254740992", "9007199254740993", "9007199254740992e1", "-0.0", "0e5", "0.000e-3",
                         "1e22", "1e23", "1e-22", "1e-23", "4.35", "0.1", "123456789012345678e-5", "1.7976931348623157e308",
                         "5e-324", "100000000000000000000", "0.00000000000000000000001", "3.14159265358979323846"]
        for _ in 0..<3_000 {
            let whole = Int.random(in: 0...3, using: &random) == 0 ? "0" : String(Int.random(in: 1...9, using: &random)) + digits(Int.random(in: 0...12, using: &random))
            var text = (Bool.random(using: &random) ? "-" : "") + whole
            if Int.random(in: 0...3, using: &random) > 0 { text += "." + digits(Int.random(in: 1...10, using: &random)) }
            if Int.random(in: 0...2, using: &random) == 0 {
                text += ["e", "E", "e+", "e-", "E-"].randomElement(using: &random)! + String(Int.random(in: 0...30, using: &random))
            }
            spellings.append(text)
        }
        let script = "import json, sys\nfor line in sys.argv[1].split():\n    json.loads(line); print(float(line).hex())"
        let result = try await Subprocess.run("/usr/bin/env", ["python3", "-c", script, spellings.joined(separator: "\n")])
        let expected = result.stdout.split(separator: "\n")
        #expect(expected.count == spellings.count, "seed \(seed)")
        for (text, hex) in zip(spellings, expected) {
            let parsed = try JSONValue.parse(text).doubleValue
            #expect(parsed?.bitPattern == Double(String(hex))?.bitPattern, "\(text): Python gives \(hex), seed \(seed)")
        }
    }

    @Test(arguments: ["1e400", "-1e400", "1e309", "[1, 2e999]"])
    func rejectsNumbersOutOfRange(_ text: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        #expect(error?.message == "number out of range")
    }

    @Test func formatsIntegralNumbersWithoutDecimalPoint() {
        #expect(JSONValue.number(3).serialized() == "3")
        #expect(JSONValue.number(-42).serialized() == "-42")
        #expect(JSONValue.number(-0.0).serialized() == "0")
        #expect(JSONValue.number(1e15).serialized() == "1000000000000000")
        #expect(JSONValue.number(9_007_199_254_740_991).serialized() == "9007199254740991")
        #expect(JSONValue.number(-9_007_199_254_740_991).serialized() == "-9007199254740991")
    }

    @Test func formatsOtherNumbersAsValidRoundTrippingJSON() throws {
        let samples: [Double] = [2.5, 0.1, -0.3, 1e-7, .leastNonzeroMagnitude, 1e20, -1e300, 9_007_199_254_740_992, 1.7976931348623157e308, 123.456]
        for sample in samples {
            let text = JSONValue.number(sample).serialized()
            #expect(try JSONValue.parse(text) == .number(sample), "\(text)")
        }
        #expect(JSONValue.number(2.5).serialized() == "2.5")
        #expect(JSONValue.number(1e-7).serialized() == "1e-07")
    }

    @Test func nonFiniteNumbersSerializeAsNull() throws {
        #expect(JSONValue.number(.nan).serialized() == "null")
        #expect(JSONValue.number(.infinity).serialized() == "null")
        #expect(JSONValue.number(-.infinity).serialized() == "null")
        let array = JSONValue.array([.number(.nan), 1])
        #expect(array.serialized() == "[null,1]")
        #expect(try JSONValue.parse(array.serialized()) == [nil, 1])
    }

    // MARK: Serialization

    @Test func escapesStrings() throws {
        #expect(JSONValue.string("a\"b\\c").serialized() == #""a\"b\\c""#)
        #expect(JSONValue.string("\n\r\t\u{08}\u{0C}").serialized() == #""\n\r\t\b\f""#)
        #expect(JSONValue.string("\u{00}\u{01}\u{1F}").serialized() == #""\u0000\u0001\u001f""#)
        #expect(JSONValue.string("/ \u{7F} é").serialized() == "\"/ \u{7F} é\"")
        let tricky = JSONValue.string("\u{00}x\"\u{1F}😀\\")
        #expect(try JSONValue.parse(tricky.serialized()) == tricky)
    }

    @Test func sortsObjectKeysByBytes() {
        let value: JSONValue = ["b": 1, "a": 2, "B": 3, "é": 4, "aa": 5, "": 6]
        #expect(value.serialized() == #"{"":6,"B":3,"a":2,"aa":5,"b":1,"é":4}"#)
        let nested: JSONValue = ["z": ["y": 1, "x": 2], "a": [["d": 1, "c": 2]]]
        #expect(nested.serialized() == #"{"a":[{"c":2,"d":1}],"z":{"x":2,"y":1}}"#)
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try JSONValue.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    // MARK: Accessors and literals

    @Test func accessors() {
        let value: JSONValue = ["s": "x", "i": 3, "d": 2.5, "big": 1e30, "b": true, "n": nil, "a": [1, 2], "o": ["k": "v"]]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["i"]?.intValue == 3)
        #expect(value["d"]?.intValue == nil)
        #expect(value["d"]?.doubleValue == 2.5)
        #expect(value["big"]?.intValue == nil)
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["a"]?[1] == 2)
        #expect(value["a"]?[2] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["a"]?.arrayValue?.count == 2)
        #expect(value["o"]?.objectValue == ["k": "v"])
        #expect(value[0] == nil)
        #expect(JSONValue.string("x")["k"] == nil)
        #expect(JSONValue.number(1).stringValue == nil)
        #expect(JSONValue.string("1").intValue == nil)
        #expect(JSONValue.bool(true).doubleValue == nil)
    }

    @Test func typeNames() {
        let values: [JSONValue] = [nil, true, 1, "s", [], [:]]
        #expect(values.map(\.typeName) == ["null", "boolean", "number", "string", "array", "object"])
    }

    @Test func literals() {
        let value: JSONValue = ["a": [1, 2.5, nil, true, "x"]]
        #expect(value == .object(["a": .array([.number(1), .number(2.5), .null, .bool(true), .string("x")])]))
    }

    @Test func hashableTreatsEqualValuesAlike() {
        let set: Set<JSONValue> = [["a": 1, "b": [true]], ["b": [true], "a": 1.0], .number(0), .number(-0.0)]
        #expect(set.count == 2)
    }

    // MARK: Codable

    @Test func decodesWithJSONDecoder() throws {
        let data = Data(#"{"flag":true,"count":1,"zero":0,"text":"x","list":[false,null,2.5],"obj":{}}"#.utf8)
        let value = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(value == ["flag": true, "count": 1, "zero": 0, "text": "x", "list": [false, nil, 2.5], "obj": [:]])
    }

    @Test func encodesWithJSONEncoder() throws {
        let value: JSONValue = ["flag": true, "count": 3, "half": 0.5, "text": "x", "list": [false, nil], "bad": .number(.nan)]
        let data = try JSONEncoder().encode(value)
        let reparsed = try JSONValue.parse(Array(data))
        #expect(reparsed == ["flag": true, "count": 3, "half": 0.5, "text": "x", "list": [false, nil], "bad": nil])
    }

    @Test func codableRoundTripInsideAnotherType() throws {
        struct Envelope: Codable, Equatable { var id: Int; var payload: JSONValue }
        let original = Envelope(id: 7, payload: ["a": [1, "b", true, nil]])
        let decoded = try JSONDecoder().decode(Envelope.self, from: JSONEncoder().encode(original))
        #expect(decoded == original)
    }
}
