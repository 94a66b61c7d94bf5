/// Whether bytes are well-formed UTF-8 (no overlongs, surrogates or truncated sequences), as
/// Swift's own decoder judges them.
public enum UTF8Validation {
    public static func isValid(_ bytes: ArraySlice<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
