// MARK: - Serialization

extension JSONValue {
    /// Compact JSON with object keys sorted by UTF-8 bytes, so equal values always serialize to equal
    /// text (useful for hashing, caching and diffing). NaN and infinities become `null`.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    public func serializedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        JSONValue.write(self, into: &output)
        return output
    }

    /// Appends the value's compact JSON (keys sorted) to `output`: for writers that build a
    /// document around values without making a `JSONValue` of the whole.
    public static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .number(let number):
            writeNumber(number, into: &output)
        case .string(let string):
            writeString(string, into: &output)
        case .array(let elements):
            output.append(ASCII.openBracket)
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(ASCII.comma) }
                write(element, into: &output)
            }
            output.append(ASCII.closeBracket)
        case .object(let members):
            output.append(ASCII.openBrace)
            // Byte order rather than String's `<`, which compares by canonical equivalence.
            let sorted = members.sorted { utf8Precedes($0.key, $1.key) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { output.append(ASCII.comma) }
                writeString(member.key, into: &output)
                output.append(ASCII.colon)
                write(member.value, into: &output)
            }
            output.append(ASCII.closeBrace)
        }
    }

    /// Byte-wise comparison; the generic `utf8.lexicographicallyPrecedes` is noticeably slower.
    public static func utf8Precedes(_ lhs: String, _ rhs: String) -> Bool {
        let fast = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right -> Bool in
                for index in 0..<min(left.count, right.count) where left[index] != right[index] {
                    return left[index] < right[index]
                }
                return left.count < right.count
            }
        }
        return (fast ?? nil) ?? lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// Integral values below 2^53 are exactly representable integers, so they print as integers
    /// ("3", never "3.0"); Swift's shortest round-trip description is valid JSON for the rest.
    public static func writeNumber(_ number: Double, into output: inout [UInt8]) {
        guard number.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        if number.magnitude < 9_007_199_254_740_992, number == number.rounded(.towardZero) {
            var integer = Int64(number)
            if integer == 0 {
                output.append(ASCII.zero)  // also covers -0
                return
            }
            if integer < 0 {
                output.append(ASCII.minus)
                integer = -integer
            }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            withUnsafeMutableBytes(of: &digits) { buffer in
                while integer > 0 {
                    buffer[15 - count] = ASCII.zero + UInt8(integer % 10)
                    integer /= 10
                    count += 1
                }
                output.append(contentsOf: buffer[(16 - count)...])
            }
            return
        }
        output.append(contentsOf: number.description.utf8)
    }

    /// Appends `string` as a JSON string literal, escaped.
    public static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(ASCII.quote)
        var string = string  // `withUTF8` needs a mutable copy; for native strings this does not copy bytes
        string.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte == ASCII.quote || byte == ASCII.backslash || byte < 0x20 else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                output.append(ASCII.backslash)
                switch byte {
                case ASCII.quote: output.append(ASCII.quote)
                case ASCII.backslash: output.append(ASCII.backslash)
                case ASCII.newline: output.append(0x6E)         // n
                case ASCII.carriageReturn: output.append(0x72)  // r
                case ASCII.tab: output.append(0x74)             // t
                case 0x08: output.append(0x62)                  // b
                case 0x0C: output.append(0x66)                  // f
                default:
                    output.append(contentsOf: [0x75, ASCII.zero, ASCII.zero, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        output.append(ASCII.quote)
    }
}

