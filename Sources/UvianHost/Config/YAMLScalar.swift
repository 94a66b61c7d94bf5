/// What a plain YAML scalar means under Yams' default rules (the YAML 1.1 types), matched byte by
/// byte instead of with Yams' regular expressions; `YAMLConfigReader` says why. Each function
/// answers nil when the text is not of its type.
enum YAMLScalar {
    static func isNull(_ text: String) -> Bool {
        text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": true
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": false
        default: nil
        }
    }

    /// `[-+]?` then `0b[01_]+`, `0x[0-9a-fA-F_]+`, `0o?[0-7_]+` (a leading 0 is octal), `0`,
    /// `[1-9][0-9_]*`, or sexagesimal `[1-9][0-9_]*(:[0-5]?[0-9])+` (`1:30` is 90).
    static func integer(_ text: String) -> Double? {
        let (negative, body) = signAndBody(text)
        guard let first = body.first else { return nil }
        let magnitude: Double?
        if body == "0" {
            magnitude = 0
        } else if body.hasPrefix("0b") {
            magnitude = radixValue(body.dropFirst(2), radix: 2)
        } else if body.hasPrefix("0x") {
            magnitude = radixValue(body.dropFirst(2), radix: 16)
        } else if body.hasPrefix("0o") {
            magnitude = radixValue(body.dropFirst(2), radix: 8)
        } else if first == "0" {
            magnitude = radixValue(body.dropFirst(1), radix: 8)
        } else if body.contains(":") {
            magnitude = sexagesimal(body, lastIsFloat: false)
        } else {
            magnitude = radixValue(body, radix: 10)
        }
        return magnitude.map { negative ? -$0 : $0 }
    }

    /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?`, `\.[0-9_]+([eE][-+][0-9]+)?`,
    /// sexagesimal `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*`, `[-+]?.inf` and `.nan`.
    static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        if bytes[0] == UInt8(ascii: ".") {
            // No sign here, and an exponent needs its sign: Yams' pattern, kept as it is.
            var index = 1
            guard skip(bytes, &index, while: isDigitOrUnderscore) > 0 else { return nil }
            if index < bytes.count {
                guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else { return nil }
                index += 1
                guard index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") else { return nil }
                index += 1
                guard skip(bytes, &index, while: isDigit) > 0, index == bytes.count else { return nil }
            }
            return Double(text.filter { $0 != "_" })
        }
        var index = bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") ? 1 : 0
        guard index < bytes.count, isDigit(bytes[index]) else { return nil }
        skip(bytes, &index, while: isDigitOrUnderscore)
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            let (negative, body) = signAndBody(text)
            return sexagesimal(body, lastIsFloat: true).map { negative ? -$0 : $0 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            skip(bytes, &index, while: isDigitOrUnderscore)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            guard skip(bytes, &index, while: isDigit) > 0 else { return nil }
        }
        guard index == bytes.count else { return nil }
        return Double(text.filter { $0 != "_" })
    }

    // MARK: - Pieces

    private static func signAndBody(_ text: String) -> (negative: Bool, body: Substring) {
        if text.hasPrefix("-") { return (true, text.dropFirst()) }
        if text.hasPrefix("+") { return (false, text.dropFirst()) }
        return (false, text[...])
    }

    /// Digits of `radix` and underscores, at least one digit; decimal must not start with 0.
    private static func radixValue(_ digits: Substring, radix: Int) -> Double? {
        let cleaned = digits.filter { $0 != "_" }
        guard !cleaned.isEmpty, digits.allSatisfy({ $0 == "_" || ($0.isASCII && $0.hexDigitValue.map { $0 < radix } == true) })
        else { return nil }
        if radix == 10, digits.first == "0" || digits.first == "_" { return nil }
        if let value = Int(cleaned, radix: radix) { return Double(value) }
        // Past Int's range a decimal is still the integer it spells, correctly rounded to a
        // Double; such a hex, octal or binary one stays text.
        return radix == 10 ? Double(cleaned) : nil
    }

    /// `1:30:15` (base 60, every part after the first `[0-5]?[0-9]`); with `lastIsFloat`, the
    /// last part is `[0-5]?[0-9]\.[0-9_]*` (the float pattern) instead.
    private static func sexagesimal(_ body: Substring, lastIsFloat: Bool) -> Double? {
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2, let head = parts.first, let leading = head.first, leading.isASCII, leading.isNumber,
              lastIsFloat || leading != "0",
              head.allSatisfy({ $0 == "_" || ($0.isASCII && $0.isNumber) }) else { return nil }
        var value = Double(head.filter { $0 != "_" })!
        for (offset, part) in parts.dropFirst().enumerated() {
            let isLast = offset == parts.count - 2
            var whole = part[...]
            var fraction: Substring = ""
            if lastIsFloat && isLast {
                guard let dot = part.firstIndex(of: ".") else { return nil }
                whole = part[..<dot]
                fraction = part[part.index(after: dot)...]
                guard fraction.allSatisfy({ $0 == "_" || ($0.isASCII && $0.isNumber) }) else { return nil }
            }
            guard (1...2).contains(whole.count), whole.allSatisfy({ $0.isASCII && $0.isNumber }),
                  whole.count == 1 || whole.first! <= "5", let sixtieths = Double(whole) else { return nil }
            value = value * 60 + sixtieths
            if !fraction.isEmpty, let part = Double("0." + fraction.filter { $0 != "_" }) { value += part }
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isDigitOrUnderscore(_ byte: UInt8) -> Bool { isDigit(byte) || byte == UInt8(ascii: "_") }

    /// Moves `index` past the bytes that satisfy `test`; returns how many there were.
    @discardableResult
    private static func skip(_ bytes: [UInt8], _ index: inout Int, while test: (UInt8) -> Bool) -> Int {
        let start = index
        while index < bytes.count, test(bytes[index]) { index += 1 }
        return index - start
    }
}
