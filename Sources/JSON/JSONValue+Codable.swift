// MARK: - Codable

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            // Bool before Double: some decoders (NSNumber-backed ones) also hand out `true` as 1.
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let elements = try? container.decode([JSONValue].self) {
            self = .array(elements)
        } else if let members = try? container.decode([String: JSONValue].self) {
            self = .object(members)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "value is not representable as JSON")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null:
            try container.encodeNil()
        case .bool(let flag):
            try container.encode(flag)
        case .number(let number):
            // Integers go out as Int64 so that non-JSON encoders (YAML) don't print "3.0";
            // non-finite values become null, matching `serialized()`, instead of making encoders throw.
            if number.magnitude < 9_007_199_254_740_992, number == number.rounded(.towardZero) {
                try container.encode(Int64(number))
            } else if number.isFinite {
                try container.encode(number)
            } else {
                try container.encodeNil()
            }
        case .string(let string):
            try container.encode(string)
        case .array(let elements):
            try container.encode(elements)
        case .object(let members):
            try container.encode(members)
        }
    }
}

