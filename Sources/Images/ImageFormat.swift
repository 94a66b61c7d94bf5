/// Input formats the loader allowlist accepts, and output formats `Image.encode` can produce.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp, gif, tiff, heif, avif

    /// Loader families libvips may use on untrusted bytes. svg (librsvg), pdf (poppler) and magick are large
    /// parsers with long CVE histories and are never allowed; CVips blocks them inside libvips as well.
    static let allowedLoaders: [String: ImageFormat] = [
        "jpeg": .jpeg, "png": .png, "webp": .webp, "gif": .gif, "tiff": .tiff, "heif": .heif,
    ]

    static let allowedInputList = "jpeg, png, webp, gif, tiff, heif"

    /// The loader family of a libvips 8.14 loader class name: "VipsForeignLoadPngBuffer" -> "png",
    /// "VipsForeignLoadNsgifBuffer" -> "gif" (libnsgif is its GIF decoder). Older and newer libvips
    /// spell the nickname ("pngload_buffer"), which is handled too.
    static func loaderFamily(_ name: String) -> String {
        var family = name
        for prefix in ["VipsForeignLoad"] where family.hasPrefix(prefix) { family = String(family.dropFirst(prefix.count)) }
        for suffix in ["Buffer", "Source", "File", "_buffer", "_source"] where family.hasSuffix(suffix) {
            family = String(family.dropLast(suffix.count))
        }
        if family.hasSuffix("load") { family = String(family.dropLast(4)) }
        family = family.lowercased()
        return family == "nsgif" ? "gif" : family
    }

    /// The allowed format for a libvips loader name, or nil.
    static func forLoader(_ name: String) -> ImageFormat? { allowedLoaders[self.loaderFamily(name)] }

    /// What refused bytes look like, so the error can say "svg" or "pdf" instead of "unknown". Only for the
    /// message: nothing is decided by it.
    static func sniff(_ bytes: [UInt8]) -> String? {
        let head = String(decoding: bytes.prefix(512), as: UTF8.self).lowercased()
        if head.hasPrefix("%pdf") { return "pdf" }
        if head.contains("<svg") { return "svg" }
        if bytes.starts(with: [0x42, 0x4D]) { return "bmp" }
        if bytes.starts(with: [0x38, 0x42, 0x50, 0x53]) { return "psd" }
        if head.hasPrefix("%!ps") { return "postscript" }
        if bytes.starts(with: [0x00, 0x00, 0x01, 0x00]) { return "ico" }
        return nil
    }
}
