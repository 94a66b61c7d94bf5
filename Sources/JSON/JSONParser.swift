/// Why and where (byte offset into the UTF-8 input) a document is not valid JSON.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

// MARK: - Parsing

extension JSONValue {
    /// Nesting limit for arrays and objects. The parser recurses per level, so this is what keeps
    /// hostile input from overflowing the stack of whichever (possibly small) thread parses it.
    public static let maxParseDepth = 256

    /// Parses exactly one JSON value (RFC 8259, strict), optionally surrounded by whitespace.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        // The closure returns a Result because `withContiguousStorageIfAvailable` is `rethrows`,
        // which would erase the typed error to `any Error`.
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parseDocument(buffer) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parseDocument(buffer) }
        }.get()
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(text.utf8)
    }

    private static func parseDocument(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = JSONByteParser(buffer)
        return try parser.parseDocument()
    }
}


private struct JSONByteParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    /// Reused across strings so that only strings with escapes pay for an extra copy.
    var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if position < bytes.count {
            throw error("unexpected \(describeByte(bytes[position])) after the JSON value")
        }
        return value
    }

    // MARK: Helpers

    func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, message: message)
    }

    func describeByte(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        switch byte {
        case ASCII.space: return "space"
        case ASCII.tab, ASCII.newline, ASCII.carriageReturn: return "whitespace"
        default: return "byte 0x" + hex2(byte)
        }
    }

    func describeCurrent() -> String {
        position < bytes.count ? describeByte(bytes[position]) : "end of input"
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case ASCII.space, ASCII.tab, ASCII.newline, ASCII.carriageReturn: position += 1
            default: return
            }
        }
    }

    // MARK: Values

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[position] {
        case ASCII.openBrace: return try parseObject(depth: depth + 1)
        case ASCII.openBracket: return try parseArray(depth: depth + 1)
        case ASCII.quote: return .string(try parseString())
        case 0x74: try expectLiteral("true"); return .bool(true)
        case 0x66: try expectLiteral("false"); return .bool(false)
        case 0x6E: try expectLiteral("null"); return .null
        case ASCII.minus, ASCII.zero...ASCII.nine: return .number(try parseNumber())
        default: throw error("expected a value, found \(describeCurrent())")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { expected -> Bool in
            guard bytes.count - start >= count else { return false }
            for i in 0..<count where bytes[start + i] != expected[i] { return false }
            return true
        }
        // Also reject e.g. `truex`, which would otherwise surface later as a confusing error.
        guard matches, start + count == bytes.count || !isIdentifierByte(bytes[start + count]) else {
            throw error("invalid literal, expected '\(literal)'", at: start)
        }
        position += count
    }

    func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= ASCII.zero && byte <= ASCII.nine)
    }

    mutating func enterContainer(depth: Int) throws(JSONParseError) {
        if depth > JSONValue.maxParseDepth {
            throw error("nesting deeper than \(JSONValue.maxParseDepth) levels")
        }
        position += 1
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        try enterContainer(depth: depth)
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count && bytes[position] == ASCII.closeBracket {
            position += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input, expected ',' or ']'") }
            switch bytes[position] {
            case ASCII.comma:
                position += 1
            case ASCII.closeBracket:
                position += 1
                return .array(elements)
            default:
                throw error("expected ',' or ']', found \(describeCurrent())")
            }
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        try enterContainer(depth: depth)
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if position < bytes.count && bytes[position] == ASCII.closeBrace {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == ASCII.quote else {
                throw error("expected a property name in double quotes, found \(describeCurrent())")
            }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == ASCII.colon else {
                throw error("expected ':' after property name, found \(describeCurrent())")
            }
            position += 1
            // RFC 8259 leaves duplicate names undefined; the last one wins, as in JavaScript.
            members[key] = try parseValue(depth: depth)
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input, expected ',' or '}'") }
            switch bytes[position] {
            case ASCII.comma:
                position += 1
            case ASCII.closeBrace:
                position += 1
                return .object(members)
            default:
                throw error("expected ',' or '}', found \(describeCurrent())")
            }
        }
    }

    // MARK: Strings

    mutating func parseString() throws(JSONParseError) -> String {
        let openingQuote = position
        position += 1
        var segmentStart = position
        var usedScratch = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == ASCII.quote {
                let result: String
                if usedScratch {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]))
                    result = String(decoding: scratch, as: UTF8.self)
                } else {
                    // Already validated below, so decoding cannot substitute replacement characters.
                    result = String(decoding: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]), as: UTF8.self)
                }
                position += 1
                return result
            } else if byte == ASCII.backslash {
                if !usedScratch {
                    usedScratch = true
                    scratch.removeAll(keepingCapacity: true)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]))
                try parseEscape()
                segmentStart = position
            } else if byte < 0x20 {
                throw error("control character (byte 0x\(hex2(byte))) in string must be escaped")
            } else if byte < 0x80 {
                position += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        throw error("unterminated string", at: openingQuote)
    }

    /// Validates one multi-byte UTF-8 sequence per Unicode Table 3-7 (no overlongs, no surrogates,
    /// nothing above U+10FFFF) and moves past it.
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw error("invalid UTF-8 (byte 0x\(hex2(lead)))")
        }
        guard bytes.count - position >= length else { throw error("invalid UTF-8 (truncated sequence)") }
        guard secondRange.contains(bytes[position + 1]) else { throw error("invalid UTF-8 sequence") }
        for i in 2..<length where bytes[position + i] & 0xC0 != 0x80 {
            throw error("invalid UTF-8 sequence")
        }
        position += length
    }

    mutating func parseEscape() throws(JSONParseError) {
        let escapeStart = position
        position += 1
        guard position < bytes.count else { throw error("unterminated string") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case ASCII.quote: scratch.append(ASCII.quote)
        case ASCII.backslash: scratch.append(ASCII.backslash)
        case ASCII.slash: scratch.append(ASCII.slash)
        case 0x62: scratch.append(0x08)  // b
        case 0x66: scratch.append(0x0C)  // f
        case 0x6E: scratch.append(0x0A)  // n
        case 0x72: scratch.append(0x0D)  // r
        case 0x74: scratch.append(0x09)  // t
        case 0x75:                       // u
            let unit = try parseHex4()
            var scalarValue = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                guard bytes.count - position >= 6, bytes[position] == ASCII.backslash, bytes[position + 1] == 0x75 else {
                    throw error("lone surrogate \\u\(hex4(unit)) (high surrogate without a low surrogate)", at: escapeStart)
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("lone surrogate \\u\(hex4(unit)) (followed by \\u\(hex4(low)))", at: escapeStart)
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw error("lone surrogate \\u\(hex4(unit)) (low surrogate without a high surrogate)", at: escapeStart)
            }
            // Cannot fail: surrogates were excluded above and the value is at most 0x10FFFF.
            let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
            UTF8.encode(scalar) { scratch.append($0) }
        default:
            throw error("invalid escape sequence: backslash followed by \(describeByte(byte))", at: escapeStart)
        }
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw error("incomplete \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte - ASCII.zero
            case 0x61...0x66: digit = byte - 0x61 + 10
            case 0x41...0x46: digit = byte - 0x41 + 10
            default: throw error("invalid hex digit \(describeByte(byte)) in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        var negative = false
        if bytes[position] == ASCII.minus {
            negative = true
            position += 1
        }
        let integerStart = position
        guard position < bytes.count, isDigit(bytes[position]) else {
            throw error("invalid number: expected a digit after '-'")
        }
        if bytes[position] == ASCII.zero {
            position += 1
            if position < bytes.count && isDigit(bytes[position]) {
                throw error("invalid number: leading zeros are not allowed", at: start)
            }
        } else {
            skipDigits()
        }
        let integerDigits = position - integerStart
        var isPlainInteger = true
        if position < bytes.count && bytes[position] == ASCII.dot {
            isPlainInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("invalid number: expected a digit after '.'")
            }
            skipDigits()
        }
        if position < bytes.count && (bytes[position] == ASCII.lowerE || bytes[position] == ASCII.upperE) {
            isPlainInteger = false
            position += 1
            if position < bytes.count && (bytes[position] == ASCII.plus || bytes[position] == ASCII.minus) {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("invalid number: expected a digit in the exponent")
            }
            skipDigits()
        }

        // Up to 15 digits are exact in both Int and Double, so skip the general conversion.
        if isPlainInteger && integerDigits <= 15 {
            var value = 0
            for i in integerStart..<position { value = value &* 10 &+ Int(bytes[i] &- ASCII.zero) }
            return negative ? -Double(value) : Double(value)
        }
        if let value = exactDecimal(from: integerStart, to: position) { return negative ? -value : value }
        // The grammar was checked above, so the stdlib's correctly rounded decimal conversion sees
        // only plain decimal syntax (never "nan", "inf" or hex floats).
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw error("invalid number", at: start) }
        guard value.isFinite else { throw error("number out of range", at: start) }
        return value
    }

    /// Powers of ten a Double holds exactly.
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Clinger's fast path for a number whose grammar was checked (`start` is past any '-'): when
    /// its significant digits make an integer up to 2^53 and its power of ten is within 10^±22,
    /// both are exact Doubles, so one multiplication or division rounds once, correctly, to what
    /// the general conversion gives; nil sends the rest (long, tiny or huge numbers) there. Most
    /// numbers in a job's data ("-12.375", "0.5", "3e5") take this path, which makes no String.
    func exactDecimal(from start: Int, to end: Int) -> Double? {
        var significand: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var afterPoint = false
        var index = start
        while index < end, bytes[index] != ASCII.lowerE, bytes[index] != ASCII.upperE {
            let byte = bytes[index]
            index += 1
            if byte == ASCII.dot {
                afterPoint = true
                continue
            }
            // Each digit after the point scales the significand down, whatever the digit.
            if afterPoint { exponent -= 1 }
            if significand == 0 && byte == ASCII.zero { continue }  // a leading zero adds nothing
            significantDigits += 1
            if significantDigits > 19 { return nil }
            significand = significand * 10 + UInt64(byte &- ASCII.zero)
        }
        if index < end {
            index += 1  // past the 'e'
            var negativeExponent = false
            if bytes[index] == ASCII.minus || bytes[index] == ASCII.plus {
                negativeExponent = bytes[index] == ASCII.minus
                index += 1
            }
            var written = 0
            while index < end {
                written = written &* 10 &+ Int(bytes[index] &- ASCII.zero)
                if written > 1_000 { return nil }
                index += 1
            }
            exponent += negativeExponent ? -written : written
        }
        if significand == 0 { return 0 }
        guard significand <= 1 << 53, (-22...22).contains(exponent) else { return nil }
        let value = Double(significand)
        return exponent < 0 ? value / Self.exactPowersOfTen[-exponent] : value * Self.exactPowersOfTen[exponent]
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= ASCII.zero && byte <= ASCII.nine }

    mutating func skipDigits() {
        while position < bytes.count && isDigit(bytes[position]) { position += 1 }
    }
}


private func hex2(_ byte: UInt8) -> String {
    String(decoding: [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]], as: UTF8.self)
}

private func hex4(_ unit: UInt16) -> String {
    hex2(UInt8(unit >> 8)).uppercased() + hex2(UInt8(unit & 0xFF)).uppercased()
}

