// A minimal JSON writer: the tool only prints flat reports, so it needs no JSON library.
enum JSONOutput {
    indirect enum Value {
        case string(String), number(Double), int(Int), bool(Bool), null
        case array([Value]), object([(String, Value)])
    }

    static func render(_ value: Value) -> String {
        switch value {
        case let .string(s): return self.quote(s)
        case let .number(d): return d.isFinite ? "\(d)" : "null"
        case let .int(i): return "\(i)"
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        case let .array(items): return "[" + items.map(self.render).joined(separator: ",") + "]"
        case let .object(pairs): return "{" + pairs.map { self.quote($0.0) + ":" + self.render($0.1) }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
