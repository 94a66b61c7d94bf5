/// The result of a `data_processing` job, encoded as the job's result JSON.
///
/// Ungrouped: `{"operation": op, <fields>}`.
/// Grouped:   `{"operation": op, "group_by": key, "groups": [{"group": label, <fields>}, ...]}`.
///
/// The fields are an ordered list of key/value pairs rather than one struct per operation:
/// the shapes differ per operation, and some keys must be absent (correlation with `method`)
/// while others must be present as null (an undefined value), a distinction that Optional
/// properties with synthesized Encodable cannot express. Every Double goes through one place
/// (`Value.number`) that writes null unless it is finite, so NaN or ±inf can never reach the
/// JSON (JSONEncoder would otherwise throw on them).
struct DataProcessingResult: Encodable, Sendable {
    /// A result value.
    enum Value: Sendable, Equatable {
        /// A count.
        case integer(Int)
        /// A measurement; nil (or a non-finite value) is written as null: "undefined".
        case number(Double?)
        case text(String)
    }

    /// The operation-specific part of a result, in output order.
    struct Fields: Sendable, Equatable {
        struct Entry: Sendable, Equatable {
            let key: String
            let value: Value
        }

        private(set) var entries: [Entry] = []

        init() {}

        mutating func add(_ key: String, _ value: Value) {
            entries.append(Entry(key: key, value: value))
        }

        subscript(key: String) -> Value? {
            entries.first { $0.key == key }?.value
        }
    }

    /// One group of a grouped result.
    struct Group: Sendable, Equatable {
        let label: String
        let fields: Fields
    }

    let operation: String
    /// The ungrouped result; empty when grouped.
    let fields: Fields
    /// The group_by key; nil when ungrouped.
    let groupBy: String?
    /// The groups in order of first appearance in `data`; nil when ungrouped.
    let groups: [Group]?

    static func single(_ operation: String, _ fields: Fields) -> DataProcessingResult {
        DataProcessingResult(operation: operation, fields: fields, groupBy: nil, groups: nil)
    }

    static func grouped(_ operation: String, by key: String, _ groups: [Group]) -> DataProcessingResult {
        DataProcessingResult(operation: operation, fields: Fields(), groupBy: key, groups: groups)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(operation, forKey: Key("operation"))
        if let groupBy, let groups {
            try c.encode(groupBy, forKey: Key("group_by"))
            try c.encode(groups.map(EncodedGroup.init), forKey: Key("groups"))
        } else {
            try Self.encode(fields, into: &c)
        }
    }

    fileprivate static func encode(_ fields: Fields, into c: inout KeyedEncodingContainer<Key>) throws {
        for entry in fields.entries {
            let key = Key(entry.key)
            switch entry.value {
            case .integer(let i):
                try c.encode(i, forKey: key)
            case .number(let d):
                if let d, d.isFinite { try c.encode(d, forKey: key) } else { try c.encodeNil(forKey: key) }
            case .text(let s):
                try c.encode(s, forKey: key)
            }
        }
    }

    /// `{"group": label, <fields>}`.
    private struct EncodedGroup: Encodable {
        let group: Group

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(group.label, forKey: Key("group"))
            try DataProcessingResult.encode(group.fields, into: &c)
        }
    }

    /// A coding key for the result's dynamic field names.
    fileprivate struct Key: CodingKey {
        let stringValue: String
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
