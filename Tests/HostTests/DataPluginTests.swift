import Foundation
import Testing
import UvianHost

/// The data plugin's results against values computed independently by numpy/scipy/math.fsum
/// (Fixtures/make_data_cases.py wrote Fixtures/data-cases.json).
@Suite struct DataPluginTests {
    static let cases: [JSONValue] = {
        let path = TestPaths.fixturesDir + "/data-cases.json"
        let data = FileManager.default.contents(atPath: path) ?? Data()
        return (try? JSONValue.parse(Array(data)).arrayValue) ?? nil ?? []
    }()

    static let plugin: LoadedPlugin? = try? PluginLoader(pluginDirs: [], logger: TestWorker.quietLogger)
        .load(PluginSpec(name: "data", path: TestPaths.dataPlugin))

    @Test func fixtureIsPresent() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func matchesIndependentlyComputedValues(_ testCase: JSONValue) async throws {
        let plugin = try #require(Self.plugin)
        let name = testCase["name"]?.stringValue ?? "?"
        let params = try #require(testCase["params"])
        let outcome = try await DirectCall.run(plugin, "data_processing", params.serialized())
        if let expected = testCase["expected"] {
            #expect(outcome.status == .ok, "\(name): \(outcome.error ?? "")")
            let result = try JSONValue.parse(outcome.resultJSON ?? "null")
            #expect(Self.close(result, expected), "\(name): got \(result), expected \(expected)")
        } else {
            let needle = try #require(testCase["error_contains"]?.stringValue)
            #expect(outcome.status != .ok, "\(name) should fail")
            #expect(outcome.error?.contains(needle) == true, "\(name): error \(outcome.error ?? "nil") lacks \(needle)")
        }
    }

    @Test func theSchemaAcceptsEveryValidCase() throws {
        let schema = try #require(Self.plugin?.taskTypes.first?.schema)
        for testCase in Self.cases where testCase["expected"] != nil {
            let violations = schema.validate(testCase["params"] ?? .null)
            #expect(violations.isEmpty, "\(testCase["name"]?.stringValue ?? ""): \(violations)")
        }
    }

    @Test func resultsNeverContainNaN() async throws {
        let plugin = try #require(Self.plugin)
        // Zero variance: the correlation is undefined, which must come out as null with a note.
        let outcome = try await DirectCall.run(plugin, "data_processing", #"{"operation":"correlation","x":[1,1,1],"y":[1,2,3]}"#)
        let text = try #require(outcome.resultJSON)
        #expect(!text.contains("NaN") && !text.lowercased().contains("inf"))
        let result = try JSONValue.parse(text)
        #expect(result["pearson"] == .null)
        #expect(result["note"]?.stringValue == "zero variance in x")
    }

    /// Equal up to a relative tolerance of 1e-9 for numbers; same keys and shapes otherwise.
    static func close(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return x == y || abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300)
        case (.array(let xs), .array(let ys)):
            return xs.count == ys.count && zip(xs, ys).allSatisfy { close($0, $1) }
        case (.object(let xs), .object(let ys)):
            return Set(xs.keys) == Set(ys.keys) && xs.allSatisfy { key, value in close(value, ys[key]!) }
        default:
            return a == b
        }
    }
}
