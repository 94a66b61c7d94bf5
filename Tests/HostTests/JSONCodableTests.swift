import Foundation
import Testing
import UvianHost

/// Codable on top of the JSON library (what PluginKit decodes parameters and encodes results
/// with), checked against Foundation's JSONDecoder and JSONEncoder on the same types and documents.
@Suite struct JSONCodableTests {
    struct Item: Codable, Equatable {
        var name: String
        var count: Int
        var ratio: Double
        var tags: [String]
        var flag: Bool?
        var nested: Nested?
        var small: UInt8
        var extra: JSONValue?
    }

    struct Nested: Codable, Equatable {
        var values: [Double]
        var labels: [String: Int]
    }

    enum Kind: String, Codable { case a, b }

    struct Tagged: Codable, Equatable {
        var kind: Kind
        var items: [Item]
    }

    static let documents = [
        #"{"kind":"a","items":[]}"#,
        #"{"kind":"b","items":[{"name":"x","count":3,"ratio":0.5,"tags":["p","q"],"small":7}]}"#,
        #"{"kind":"a","items":[{"name":"é😀","count":-9007199254740991,"ratio":1e300,"tags":[],"flag":null,"small":255,"nested":{"values":[1,2.5,-0.0],"labels":{"k":1}}}]}"#,
        #"{"kind":"a","items":[{"name":"x","count":1,"ratio":2,"tags":[],"small":0,"extra":{"any":[1,"two",null,{"three":true}]}}]}"#,
    ]

    @Test(arguments: documents)
    func decodesWhatJSONDecoderDecodes(_ document: String) throws {
        let ours = try JSONValueDecoder().decode(Tagged.self, from: Array(document.utf8))
        let foundation = try JSONDecoder().decode(Tagged.self, from: Data(document.utf8))
        #expect(ours == foundation)
    }

    @Test(arguments: documents)
    func encodesWhatJSONEncoderEncodes(_ document: String) throws {
        let value = try JSONDecoder().decode(Tagged.self, from: Data(document.utf8))
        let ours = try JSONValueEncoder().encode(value)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let foundation = try JSONValue.parse(encoder.encode(value))
        #expect(ours == foundation)
        // And it reads back as the same value.
        #expect(try JSONValueDecoder().decode(Tagged.self, from: ours) == value)
    }

    /// Documents JSONDecoder refuses: ours refuses them too, with the path of the culprit.
    @Test(arguments: [
        (#"{"kind":"c","items":[]}"#, "kind"),
        (#"{"kind":"a"}"#, "items"),
        (#"{"kind":"a","items":[{"name":1,"count":1,"ratio":1,"tags":[],"small":1}]}"#, "items[0].name"),
        (#"{"kind":"a","items":[{"name":"x","count":1.5,"ratio":1,"tags":[],"small":1}]}"#, "items[0].count"),
        (#"{"kind":"a","items":[{"name":"x","count":1,"ratio":1,"tags":[],"small":256}]}"#, "items[0].small"),
        (#"{"kind":"a","items":[{"name":"x","count":1,"ratio":1,"tags":[null],"small":1}]}"#, "items[0].tags[0]"),
        (#"{"kind":"a","items":[{"name":"x","count":1,"ratio":null,"tags":[],"small":1}]}"#, "items[0].ratio"),
    ])
    func refusesWhatJSONDecoderRefuses(_ document: String, _ path: String) throws {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Tagged.self, from: Data(document.utf8)) }
        do {
            _ = try JSONValueDecoder().decode(Tagged.self, from: Array(document.utf8))
            Issue.record("\(document) decoded")
        } catch let error as DecodingError {
            #expect(Self.path(of: error) == path, "\(error)")
        }
    }

    @Test func integersOutsideDoublesExactRangeAndNonFiniteNumbers() throws {
        #expect(try JSONValueEncoder().encode([Double.nan, .infinity, 1]) == [nil, nil, 1])
        #expect(try JSONValueEncoder().encode(["big": UInt64.max]) == ["big": .number(18_446_744_073_709_551_616)])
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Int8.self, from: .number(128)) }
        #expect(try JSONValueDecoder().decode(Int8.self, from: .number(-128)) == -128)
    }

    @Test func optionalsAreLeftOutAndJSONValuesPassThrough() throws {
        struct Sparse: Codable { var a: Int?; var b: JSONValue }
        #expect(try JSONValueEncoder().encode(Sparse(a: nil, b: ["x": [1, nil]])).serialized() == #"{"b":{"x":[1,null]}}"#)
        let read = try JSONValueDecoder().decode(Sparse.self, from: ["b": nil])
        #expect(read.a == nil && read.b == .null)
    }

    private static func path(of error: DecodingError) -> String {
        let keys: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let context): keys = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): keys = context.codingPath
        @unknown default: return "?"
        }
        var out = ""
        for key in keys {
            if let index = key.intValue { out += "[\(index)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return out
    }
}
