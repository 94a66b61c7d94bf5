import Foundation
import JSON

/// A YAML file of schedules for deployments that keep them in git (`uvian-worker schedules apply`):
///
///     schedules:
///       - id: nightly-report
///         task_type: data_processing
///         parameters: {operation: sum, data: [1, 2]}
///         cron: "0 3 * * *"
///         tz: Europe/Berlin
///
/// Each entry has the fields of `PUT /schedules/{id}`'s body, with its `id`.
package enum SchedulesFile {
    package struct Invalid: Error, CustomStringConvertible {
        package let description: String
    }

    package static func load(path: String) throws -> [Schedule] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Invalid(description: "\(path): cannot be read (\(error.localizedDescription))")
        }
        return try parse(text, name: path)
    }

    package static func parse(_ text: String, name: String) throws -> [Schedule] {
        let root: JSONValue
        do {
            root = try YAMLConfigReader.read(text)
        } catch {
            throw Invalid(description: "\(name): not valid YAML: \(error)")
        }
        guard let entries = root["schedules"]?.arrayValue else {
            throw Invalid(description: "\(name): expected a top-level `schedules:` list")
        }
        var seen: Set<String> = []
        return try entries.enumerated().map { index, entry in
            let location = "\(name): schedules[\(index)]"
            guard let id = entry["id"]?.stringValue else { throw Invalid(description: "\(location).id is required (a string)") }
            guard seen.insert(id).inserted else { throw Invalid(description: "\(location): id \(id) appears twice") }
            do {
                return try Schedule(id: id, json: entry)
            } catch let error as Schedule.Invalid {
                throw Invalid(description: "\(location) (\(id)): \(error.field) \(error.message)")
            }
        }
    }
}
