import PluginKit

/// One step's options, read with the step's place in the task (`operations[2]` or `options`) in every
/// refusal, so a client sees which field of which step was wrong.
struct StepOptions {
    let members: [String: JSONValue]
    /// "options" or "operations[2]".
    let place: String

    /// Options read as they are (the caller checked the keys).
    init(_ members: [String: JSONValue], place: String) {
        self.members = members
        self.place = place
    }

    /// A step's options: unknown and missing required ones are refused.
    init(_ members: [String: JSONValue], place: String, operation: ImageOperation) throws {
        self.init(members, place: place)
        let known = Set(operation.options.map(\.name))
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            let list = operation.options.map(\.name)
            throw TaskError.invalidParams("\(place).\(unknown): \(operation.rawValue) has no option '\(unknown)'"
                + (list.isEmpty ? " (it takes none)" : " (it takes: \(list.joined(separator: ", ")))"))
        }
        for name in operation.required where value(name) == nil {
            throw TaskError.invalidParams("\(place).\(name): \(operation.rawValue) needs '\(name)'")
        }
    }

    func field(_ name: String) -> String { place.isEmpty ? name : "\(place).\(name)" }

    func value(_ name: String) -> JSONValue? {
        switch members[name] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    func has(_ name: String) -> Bool { value(name) != nil }

    func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = value(name) else { return nil }
        guard let number = value.doubleValue, range.contains(number) else {
            throw TaskError.invalidParams("\(field(name)) must be a number from \(Self.text(range.lowerBound)) to \(Self.text(range.upperBound))")
        }
        return number
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = value(name) else { return nil }
        guard let number = value.doubleValue, number == number.rounded(), number >= Double(range.lowerBound),
              number <= Double(range.upperBound) else {
            throw TaskError.invalidParams("\(field(name)) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(number)
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = value(name) else { return nil }
        guard let flag = value.boolValue else { throw TaskError.invalidParams("\(field(name)) must be true or false") }
        return flag
    }

    func string(_ name: String) throws -> String? {
        guard let value = value(name) else { return nil }
        guard let text = value.stringValue else { throw TaskError.invalidParams("\(field(name)) must be a string") }
        return text
    }

    /// A string from `choices`, parsed by `parse`.
    func choice<T>(_ name: String, _ choices: [String], _ parse: (String) -> T?) throws -> T? {
        guard let text = try string(name) else { return nil }
        guard let parsed = parse(text) else {
            throw TaskError.invalidParams("\(field(name)) must be one of \(choices.joined(separator: ", ")) (found '\(text)')")
        }
        return parsed
    }

    func colour(_ name: String) throws -> Colour? {
        guard let value = value(name) else { return nil }
        return try Colour(value, field: field(name))
    }

    private static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
