import Images
import PluginKit

/// Where the encoded image goes.
enum OutputDestination: Sendable, Equatable {
    case base64
    /// A relative file name under IMAGES_OUTPUT_DIR.
    case file(String)
}

/// The task's `output`: format, quality, metadata and destination. The format is settled here from
/// `output.format`, a `convert` step and the file name's extension; any two that disagree are refused.
struct OutputOptions: Sendable {
    /// nil keeps the input's format.
    var format: ImageFormat?
    var quality: Int
    var stripMetadata: Bool
    var destination: OutputDestination

    static let keys = ["format", "quality", "strip_metadata", "to"]
    static let extensions: [String: ImageFormat] = [
        "jpg": .jpeg, "jpeg": .jpeg, "png": .png, "webp": .webp, "gif": .gif, "tif": .tiff, "tiff": .tiff,
        "heic": .heif, "heif": .heif, "avif": .avif,
    ]

    init(_ members: [String: JSONValue], steps: [ImageStep]) throws {
        if let unknown = members.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw TaskError.invalidParams("output.\(unknown): unknown (output takes: \(Self.keys.joined(separator: ", ")))")
        }
        let reader = StepOptions(members, place: "output")
        quality = try reader.integer("quality", in: 1...100) ?? 80
        stripMetadata = try reader.bool("strip_metadata") ?? true

        var chosen: [(field: String, format: ImageFormat)] = []
        if let format = try reader.choice("format", OutputFormatName.all, OutputFormatName.parse) {
            chosen.append(("output.format", format))
        }
        for case let .convert(format) in steps { chosen.append(("convert", format)) }

        switch try reader.string("to") {
        case nil, "base64"?:
            destination = .base64
        case let name?:
            destination = .file(try Self.checkedName(name))
            let suffix = name.split(separator: "/").last?.split(separator: ".", omittingEmptySubsequences: false)
            if let suffix, suffix.count > 1, let format = Self.extensions[suffix.last!.lowercased()] {
                chosen.append(("output.to's extension", format))
            }
        }
        if let first = chosen.first, let other = chosen.first(where: { $0.format != first.format }) {
            throw TaskError.invalidParams("output format: \(first.field) says \(first.format.rawValue) but \(other.field) says \(other.format.rawValue)")
        }
        format = chosen.first?.format
    }

    /// A relative name without `..`, NUL or a leading slash.
    private static func checkedName(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.count <= 1024, !name.contains("\0") else {
            throw TaskError.invalidParams("output.to must be \"base64\" or a file name under IMAGES_OUTPUT_DIR")
        }
        guard !name.hasPrefix("/") else {
            throw TaskError.invalidParams("output.to: \(name) is absolute; give a name relative to IMAGES_OUTPUT_DIR")
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(".."), !parts.isEmpty, !name.hasSuffix("/") else {
            throw TaskError.invalidParams("output.to: '..' and directory names are not allowed (names are relative to IMAGES_OUTPUT_DIR)")
        }
        return parts.joined(separator: "/")
    }
}
