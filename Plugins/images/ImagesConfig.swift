import GuardedFetch
import PluginFetch
import Images
import PluginKit

/// The images plugin's `config` from plugins.yaml: where images are read from and written to, the
/// fetcher's SSRF exceptions, and the limits every task runs under (each refusal names its key).
struct ImagesConfig: Sendable {
    /// `image_path` sources and composite overlays are files under it; nil refuses them.
    var imagesDirectory: String?
    /// `output.to` file names are written under it; nil refuses them.
    var outputDirectory: String?
    var fetchPolicy: FetchPolicy
    var limits: ImageLimits

    static let keys: Set<String> = [
        "images_dir", "output_dir", "allow", "fetch_timeout_s", "max_input_mb", "max_megapixels", "max_frames",
        "max_output_dimension", "max_output_megapixels", "vips_concurrency", "strict_decoding",
    ]

    init(_ config: PluginConfig) throws {
        let reader = try ConfigReader(config, plugin: "images", known: Self.keys)
        imagesDirectory = reader.string("images_dir").flatMap { $0.isEmpty ? nil : $0 }
        outputDirectory = reader.string("output_dir").flatMap { $0.isEmpty ? nil : $0 }
        fetchPolicy = try reader.fetchPolicy()
        fetchPolicy.totalTimeout = .milliseconds(Int64(try reader.number("fetch_timeout_s", default: 30, in: 0.1...3600) * 1000))
        let strict: Bool
        switch reader["strict_decoding"] {
        case nil, .null?: strict = false
        case .bool(let flag)?: strict = flag
        case .string(let text)? where ["true", "false"].contains(text.lowercased()): strict = text.lowercased() == "true"
        default: throw reader.failure("strict_decoding must be true or false")
        }
        limits = ImageLimits(
            maxInputBytes: try reader.integer("max_input_mb", default: 25, in: 1...1024) << 20,
            maxMegapixels: try reader.number("max_megapixels", default: 50, in: 0.001...1000),
            maxFrames: try reader.integer("max_frames", default: 256, in: 1...100_000),
            maxOutputDimension: try reader.integer("max_output_dimension", default: 16_384, in: 16...100_000),
            maxOutputMegapixels: try reader.number("max_output_megapixels", default: 50, in: 0.001...1000),
            concurrency: try reader.integer("vips_concurrency", default: 1, in: 1...64),
            strictDecoding: strict)
        fetchPolicy.maxBytes = limits.maxInputBytes
    }
}
