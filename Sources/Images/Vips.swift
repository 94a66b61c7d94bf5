internal import CVips

/// The one chokepoint for libvips calls: runs setup once, and turns a failed call plus libvips' error buffer
/// into an `ImageError`.
enum Vips {
    static func setup(concurrency: Int) throws(ImageError) {
        guard uvw_vips_setup() == 0 else { throw .failed(operation: "vips_init", detail: self.takeError()) }
        uvw_vips_set_concurrency(Int32(concurrency))
    }

    /// libvips' error text, cleared for the next call. Its buffer is process-wide, so concurrent tasks can
    /// see each other's text; the message is for people, the error case is what code looks at.
    static func takeError() -> String {
        guard let copy = uvw_vips_error_copy() else { return "unknown libvips error" }
        defer { free(copy) }
        var text = String(cString: copy)
        while text.last == "\n" { text.removeLast() }
        return text.isEmpty ? "unknown libvips error" : text.split(separator: "\n").joined(separator: "; ")
    }

    /// The error for a failed step. Pixels are decoded lazily, so a damaged file often fails only in the first
    /// step that reads pixels; libvips then names its loader ("jpegload_buffer: ..."), and that is reported as
    /// `corrupt` whichever step was running.
    static func error(operation: String) -> ImageError {
        let detail = self.takeError()
        // A second pass over a sequential image: the loader names itself, but the input is fine and the caller
        // needed `.random` access.
        if detail.contains("out of order read") {
            return .failed(operation: operation, detail: detail + " (this step needs Image.Access.random)")
        }
        let decodeMarkers = [
            "load_buffer", "load:", "VipsForeignLoad", "VipsJpeg:", "Corrupt", "Premature end", "read error", "truncated",
            "spng", "png2vips", "tiff2vips", "webp2vips", "gifload", "heifload",
        ]
        if decodeMarkers.contains(where: { detail.contains($0) }) {
            return .corrupt(detail: detail)
        }
        return .failed(operation: operation, detail: detail)
    }
}

#if canImport(Glibc)
import Glibc
#endif
