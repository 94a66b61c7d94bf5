import Foundation

/// Reads `data_processing` parameters straight from their JSON bytes: the fast path of
/// `DataProcessingParams.decodeParameters(from:)`.
///
/// Why it exists: the JSONDecoder path decodes every item of `data` by trial and error (see
/// `AnyJSON.init(from:)`), and with its containers and coding paths that costs 60–90 µs for a
/// hundred numbers, most of a plugin call. This reader goes over the bytes once (about 3 µs).
///
/// The rule it lives by: it returns parameters only when JSONDecoder would have decoded the very
/// same ones, and nil on anything else, so that the JSONDecoder path runs and every error message
/// and every leniency of that path stays as it is. It never reports an error itself. It declines:
/// - anything that is not strict JSON (JSONDecoder accepts some of it: trailing commas, a byte
///   order mark, malformed numbers in `data`, which it turns into "not a finite number" errors);
/// - unknown, duplicate (JSONDecoder keeps the first) or escaped keys, escapes in strings (rare
///   in these parameters, and JSONDecoder's handling of lone surrogates is its own), invalid UTF-8;
/// - a value of the wrong type for its key (`operation` must be a string; null only stands for
///   an absent optional key, as with `decodeIfPresent`);
/// - a number a Double cannot hold (1e999, 1e-400), which JSONDecoder reports as out of range;
/// - nesting deeper than `maxDepth`, far below JSONDecoder's own limit of 512.
struct FastParamsReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    /// Arrays and objects nested deeper than this are left to JSONDecoder (they never occur in
    /// real parameters, and the limit bounds this reader's recursion).
    private static let maxDepth = 64

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The parameters in `json`, or nil when the JSONDecoder path must decide.
    static func read(_ json: [UInt8]) -> DataProcessingParams? {
        json.withUnsafeBufferPointer { buffer in
            var reader = FastParamsReader(bytes: buffer)
            return reader.readParameters()
        }
    }

    // MARK: - The top-level object

    /// The keys of the parameters, as their exact bytes.
    private enum Key: UInt8, CaseIterable {
        case operation, data, field, fields, x, y, method, groupBy

        var spelling: StaticString {
            switch self {
            case .operation: "operation"
            case .data: "data"
            case .field: "field"
            case .fields: "fields"
            case .x: "x"
            case .y: "y"
            case .method: "method"
            case .groupBy: "group_by"
            }
        }
    }

    private mutating func readParameters() -> DataProcessingParams? {
        var operation: String?
        var field: String?
        var groupBy: String?
        var fields: [String]?
        var method: String?
        var data: [AnyJSON]?
        var x: [AnyJSON]?
        var y: [AnyJSON]?
        var seen: UInt8 = 0

        skipWhitespace()
        guard take(.openBrace) else { return nil }
        // No empty-object case: `{}` lacks operation, which JSONDecoder reports (readKey declines).
        repeat {
            skipWhitespace()
            guard let key = readKey() else { return nil }
            let bit: UInt8 = 1 << key.rawValue
            guard seen & bit == 0 else { return nil }
            seen |= bit
            skipWhitespace()
            guard take(.colon) else { return nil }
            skipWhitespace()
            switch key {
            case .operation:
                guard let value = readString() else { return nil }
                operation = value
            case .field:
                guard let value = readOptional({ $0.readString() }) else { return nil }
                field = value
            case .groupBy:
                guard let value = readOptional({ $0.readString() }) else { return nil }
                groupBy = value
            case .method:
                guard let value = readOptional({ $0.readString() }) else { return nil }
                method = value
            case .fields:
                guard let value = readOptional({ $0.readStrings() }) else { return nil }
                fields = value
            case .data:
                guard let value = readOptional({ $0.readArray() }) else { return nil }
                data = value
            case .x:
                guard let value = readOptional({ $0.readArray() }) else { return nil }
                x = value
            case .y:
                guard let value = readOptional({ $0.readArray() }) else { return nil }
                y = value
            }
            skipWhitespace()
        } while take(.comma)
        guard take(.closeBrace) else { return nil }
        skipWhitespace()
        guard position == bytes.count, let operation else { return nil }
        return DataProcessingParams(
            operation: operation, field: field, groupBy: groupBy, fields: fields, method: method,
            data: data, x: x, y: y)
    }

    /// A key of the top-level object, when it is one of `Key`'s spelt without escapes.
    private mutating func readKey() -> Key? {
        guard let (start, end, _) = scanString() else { return nil }
        let length = end - start
        for key in Key.allCases where key.spelling.utf8CodeUnitCount == length {
            if memcmp(bytes.baseAddress! + start, key.spelling.utf8Start, length) == 0 { return key }
        }
        return nil
    }

    /// `read`'s value, or nil inside the optional for JSON null: `decodeIfPresent` treats null as
    /// absent. The outer nil means "decline".
    private mutating func readOptional<T>(_ read: (inout Self) -> T?) -> T?? {
        if takeLiteral("null") { return .some(nil) }
        guard let value = read(&self) else { return nil }
        return .some(value)
    }

    /// `fields`: an array of strings (a null or any other element is JSONDecoder's error).
    private mutating func readStrings() -> [String]? {
        guard take(.openBracket) else { return nil }
        var strings: [String] = []
        skipWhitespace()
        if take(.closeBracket) { return strings }
        repeat {
            skipWhitespace()
            guard let string = readString() else { return nil }
            strings.append(string)
            skipWhitespace()
        } while take(.comma)
        return take(.closeBracket) ? strings : nil
    }

    // MARK: - Values

    /// Any JSON value, as `AnyJSON.init(from:)` decodes it.
    private mutating func readValue() -> AnyJSON? {
        switch current {
        case .quote: return readString().map(AnyJSON.string)
        case .openBracket: return readArray().map(AnyJSON.array)
        case .openBrace: return readObject().map(AnyJSON.object)
        case UInt8(ascii: "t"): return takeLiteral("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return takeLiteral("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return takeLiteral("null") ? .null : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return readNumber().map(AnyJSON.number)
        default: return nil
        }
    }

    private mutating func readArray() -> [AnyJSON]? {
        guard take(.openBracket), depth < Self.maxDepth else { return nil }
        depth += 1
        defer { depth -= 1 }
        var elements: [AnyJSON] = []
        skipWhitespace()
        if take(.closeBracket) { return elements }
        repeat {
            skipWhitespace()
            guard let element = readValue() else { return nil }
            elements.append(element)
            skipWhitespace()
        } while take(.comma)
        return take(.closeBracket) ? elements : nil
    }

    private mutating func readObject() -> [String: AnyJSON]? {
        guard take(.openBrace), depth < Self.maxDepth else { return nil }
        depth += 1
        defer { depth -= 1 }
        var members: [String: AnyJSON] = [:]
        skipWhitespace()
        if take(.closeBrace) { return members }
        repeat {
            skipWhitespace()
            guard let key = readString() else { return nil }
            skipWhitespace()
            guard take(.colon) else { return nil }
            skipWhitespace()
            guard let value = readValue() else { return nil }
            // A repeated key (by String equality, as the decoder's dictionary compares them):
            // JSONDecoder keeps the first one; leave it that choice.
            guard members.updateValue(value, forKey: key) == nil else { return nil }
            skipWhitespace()
        } while take(.comma)
        return take(.closeBrace) ? members : nil
    }

    // MARK: - Strings

    /// A string without escapes, or nil.
    private mutating func readString() -> String? {
        guard let (start, end, isASCII) = scanString() else { return nil }
        let content = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if isASCII { return String(decoding: content, as: UTF8.self) }
        // Invalid UTF-8 fails JSONDecoder too (with messages of its own): decline it. (The
        // validating initialiser is Swift 6's; older Apple runtimes leave non-ASCII to JSONDecoder.)
        guard #available(macOS 15, *) else { return nil }
        return String(validating: content, as: UTF8.self)
    }

    /// Moves past a string that has no escape and no control character (JSON allows neither
    /// unescaped), returning the range of its content.
    private mutating func scanString() -> (start: Int, end: Int, isASCII: Bool)? {
        guard take(.quote) else { return nil }
        let start = position
        var isASCII = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == .quote {
                position += 1
                return (start, position - 1, isASCII)
            }
            if byte == .backslash || byte < 0x20 { return nil }
            if byte >= 0x80 { isASCII = false }
            position += 1
        }
        return nil
    }

    // MARK: - Numbers

    /// Powers of ten a Double holds exactly.
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// A number in JSON's grammar, with the value strtod gives it (JSONDecoder's conversion),
    /// or nil when it is malformed or out of the range of a Double.
    private mutating func readNumber() -> Double? {
        let start = position
        let negative = take(UInt8(ascii: "-"))
        // The significant digits as an integer, with the power of ten that scales it.
        var significand: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var tooManyDigits = false
        var hasNonZeroDigit = false
        var hasExponent = false

        // Past 19 digits the significand could overflow: strtod converts those.
        func addDigit(_ digit: UInt8) {
            if digit != 0 { hasNonZeroDigit = true }
            if significand == 0 && digit == 0 { return }  // a leading zero adds nothing
            if significantDigits == 19 { tooManyDigits = true; return }
            significand = significand * 10 + UInt64(digit)
            significantDigits += 1
        }

        if take(UInt8(ascii: "0")) {
            // A leading zero stands alone: "01" is not JSON.
        } else if let digit = currentDigit {
            addDigit(digit)
            position += 1
            while let digit = currentDigit {
                addDigit(digit)
                position += 1
            }
        } else {
            return nil
        }
        if take(UInt8(ascii: ".")) {
            guard currentDigit != nil else { return nil }
            while let digit = currentDigit {
                addDigit(digit)
                exponent -= 1
                position += 1
            }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            hasExponent = true
            position += 1
            let negativeExponent = take(UInt8(ascii: "-"))
            if !negativeExponent { _ = take(UInt8(ascii: "+")) }
            guard currentDigit != nil else { return nil }
            var written = 0
            while let digit = currentDigit {
                // Beyond 10^6 only the fallback's verdict matters; stop growing.
                if written < 1_000_000 { written = written * 10 + Int(digit) }
                position += 1
            }
            exponent += negativeExponent ? -written : written
        }

        if !hasNonZeroDigit {
            // Zero. JSONDecoder checks a zero result for non-zero digits (an underflow) with a
            // scan that misreads some spellings with an exponent ("0e8" and "0.00e5" become
            // "not representable", "0e12" and "0e-8" do not): leave every such spelling to it.
            guard !hasExponent else { return nil }
            return negative ? -0.0 : 0.0
        }
        // Clinger's fast path: an integer significand up to 2^53 and a power of ten up to 10^22
        // are both exact Doubles, so one multiplication or division rounds once, correctly,
        // giving what any correctly rounded conversion (strtod) gives.
        if !tooManyDigits, significand <= 1 << 53, (-22...22).contains(exponent) {
            var value = Double(significand)
            if exponent < 0 {
                value /= Self.exactPowersOfTen[-exponent]
            } else {
                value *= Self.exactPowersOfTen[exponent]
            }
            return negative ? -value : value
        }
        guard let value = convertWithStrtod(from: start, to: position) else { return nil }
        // Infinity (overflow) and zero from non-zero digits (underflow): JSONDecoder reports
        // them as not representable, so decline.
        guard value.isFinite, value != 0 else { return nil }
        return value
    }

    /// strtod over `start..<end` (copied with a terminating NUL: the input has none). It must
    /// consume the whole token: with a locale whose decimal point is not "." it would stop at the
    /// ".", and the number is then left to JSONDecoder, which converts in the C locale.
    private func convertWithStrtod(from start: Int, to end: Int) -> Double? {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double? in
            let base = buffer.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: bytes.baseAddress! + start, byteCount: length)
            base[length] = 0
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(base, &stop)
            return stop == base + length ? value : nil
        }
    }

    // MARK: - Bytes

    /// The byte at `position`, or 0 at the end: NUL is invalid wherever this reader looks, so
    /// every check fails on it and the end needs no separate test.
    private var current: UInt8 {
        position < bytes.count ? bytes[position] : 0
    }

    private var currentDigit: UInt8? {
        let digit = current &- UInt8(ascii: "0")
        return digit < 10 ? digit : nil
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        position += 1
        return true
    }

    private mutating func takeLiteral(_ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard bytes.count - position >= length,
              memcmp(bytes.baseAddress! + position, literal.utf8Start, length) == 0 else { return false }
        position += length
        return true
    }

    /// JSON's whitespace (JSONDecoder rejects the others, such as form feed or no-break space).
    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }
}

private extension UInt8 {
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
}
