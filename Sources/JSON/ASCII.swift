/// The bytes of JSON's grammar, for the parser and the writer.
enum ASCII {
    static let quote: UInt8 = 0x22          // "
    static let backslash: UInt8 = 0x5C      // \
    static let slash: UInt8 = 0x2F          // /
    static let comma: UInt8 = 0x2C          // ,
    static let colon: UInt8 = 0x3A          // :
    static let openBracket: UInt8 = 0x5B    // [
    static let closeBracket: UInt8 = 0x5D   // ]
    static let openBrace: UInt8 = 0x7B      // {
    static let closeBrace: UInt8 = 0x7D     // }
    static let minus: UInt8 = 0x2D          // -
    static let plus: UInt8 = 0x2B           // +
    static let dot: UInt8 = 0x2E            // .
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let lowerE: UInt8 = 0x65
    static let upperE: UInt8 = 0x45
}

/// Recursive-descent parser over one contiguous UTF-8 buffer; only lives for one `parse` call.

let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
