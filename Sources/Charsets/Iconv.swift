import Glibc

/// glibc's iconv, to UTF-8: the scraping plugin's pages in declared legacy charsets and the
/// document plugin's text files in detected ones.
public enum Iconv {
    /// True when glibc's iconv can convert `name` to UTF-8.
    public static func supports(_ name: String) -> Bool {
        let cd = iconv_open("UTF-8", name)
        if isInvalid(cd) { return false }
        iconv_close(cd)
        return true
    }

    /// Converts `input` from `name` to UTF-8; an illegal sequence costs one input byte and yields
    /// U+FFFD (counted in `replacements`), a truncated one at the end yields one U+FFFD. nil when
    /// iconv does not know `name`.
    public static func toUTF8(_ input: ArraySlice<UInt8>, from name: String) -> (bytes: [UInt8], replacements: Int)? {
        let cd = iconv_open("UTF-8", name)
        if isInvalid(cd) { return nil }
        defer { iconv_close(cd) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 2 + 16)
        var replacements = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var source = Array(input)
        source.withUnsafeMutableBufferPointer { src in
            guard let base = src.baseAddress else { return }
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(base).assumingMemoryBound(to: CChar.self)
            var inLeft = src.count
            while inLeft > 0 {
                let (produced, failure): (Int, Int32) = chunk.withUnsafeMutableBytes { out in
                    var outPointer: UnsafeMutablePointer<CChar>? = out.baseAddress!.assumingMemoryBound(to: CChar.self)
                    var outLeft = out.count
                    let result = iconv(cd, &inPointer, &inLeft, &outPointer, &outLeft)
                    return (out.count - outLeft, result == -1 ? errno : 0)
                }
                output.append(contentsOf: chunk[0 ..< produced])
                switch failure {
                case 0, E2BIG: continue
                case EILSEQ:
                    output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    replacements += 1
                    inPointer = inPointer.map { $0 + 1 }
                    inLeft -= 1
                default:  // EINVAL: truncated sequence at the end.
                    output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    replacements += 1
                    inLeft = 0
                }
            }
        }
        return (output, replacements)
    }

    private static func isInvalid(_ cd: iconv_t?) -> Bool {
        cd == nil || Int(bitPattern: cd) == -1
    }
}
