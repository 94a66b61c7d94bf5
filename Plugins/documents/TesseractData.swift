import Glibc

/// The OCR languages this machine has: Debian's tesseract-ocr-<lang> packages put
/// <lang>.traineddata in tesseract's tessdata directory (osd is script detection, not a language).
enum TesseractData {
    static let directories = ["/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata"]

    static let installedLanguages: Set<String> = {
        var languages = Set<String>()
        for directory in directories {
            guard let handle = opendir(directory) else { continue }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                guard name.hasSuffix(".traineddata") else { continue }
                let language = String(name.dropLast(".traineddata".count))
                if language != "osd" { languages.insert(language) }
            }
        }
        return languages
    }()
}
