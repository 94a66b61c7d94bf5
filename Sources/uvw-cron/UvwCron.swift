import Cron
import Foundation
import JSON

/// JSON lines in, JSON lines out over the Cron library, for the differential tests against PyPI
/// `cronsim`: each input line `{"expr", "tz", "start" (Unix seconds), "n"}` gives
/// `{"runs": [Unix seconds, …]}` or `{"error": "…"}`.
@main
struct UvwCron {
    static func main() {
        while let line = readLine() {
            print(answer(line).serialized())
        }
    }

    static func answer(_ line: String) -> JSONValue {
        guard let request = try? JSONValue.parse(line), let text = request["expr"]?.stringValue,
              let start = request["start"]?.doubleValue else {
            return ["error": "a line is {\"expr\", \"tz\", \"start\", \"n\"}"]
        }
        guard let zone = TimeZone(identifier: request["tz"]?.stringValue ?? "UTC") else { return ["error": "unknown time zone"] }
        do {
            let expression = try CronExpression(text)
            let runs = expression.nextRuns(after: Date(timeIntervalSince1970: start), in: zone, count: request["n"]?.intValue ?? 5)
            return ["runs": .array(runs.map { .number($0.timeIntervalSince1970) })]
        } catch {
            return ["error": .string(error.description)]
        }
    }
}
