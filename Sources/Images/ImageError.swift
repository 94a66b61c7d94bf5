/// Why an image could not be loaded, processed or encoded. `description` starts with a stable code for job
/// results (`too_large`, `unsupported_format`, `corrupt`, `invalid_argument`, `unsupported_output`, `failed`)
/// and names the limit that refused the input.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyInput
    /// More bytes than `ImageLimits.maxInputBytes` (checked before libvips sees them).
    case tooLargeInput(bytes: Int, limit: Int)
    /// The header declares more than `ImageLimits.maxMegapixels` (checked before any pixel is decoded).
    case tooManyPixels(width: Int, height: Int, limitMegapixels: Double)
    /// The header declares more frames than `ImageLimits.maxFrames`.
    case tooManyFrames(count: Int, limit: Int)
    /// A step would produce an image wider or taller than `ImageLimits.maxOutputDimension`.
    case outputTooLarge(width: Int, height: Int, limit: Int)
    /// Not one of the allowed input formats. `detected` names what it looks like (`svg`, `pdf`) when known.
    case unsupportedFormat(detected: String?)
    /// libvips could not decode the pixels (truncated, damaged, or lying about its contents).
    case corrupt(detail: String)
    case invalidArgument(String)
    /// The output format has no encoder in this libvips/libheif build.
    case unsupportedOutput(format: String)
    /// Any other libvips failure, with the operation that failed.
    case failed(operation: String, detail: String)
    /// The caller's `shouldStop` stopped the computation.
    case cancelled

    public var description: String {
        switch self {
        case .emptyInput: "empty: the input has no bytes"
        case let .tooLargeInput(bytes, limit): "too_large: input is \(bytes) bytes, maxInputBytes is \(limit)"
        case let .tooManyPixels(width, height, limit):
            "too_large: \(width)x\(height) is \(Self.megapixels(width, height)) megapixels, maxMegapixels is \(Self.trimmed(limit))"
        case let .tooManyFrames(count, limit): "too_large: \(count) frames, maxFrames is \(limit)"
        case let .outputTooLarge(width, height, limit):
            "too_large: output \(width)x\(height) exceeds maxOutputDimension (\(limit))"
        case let .unsupportedFormat(detected?):
            "unsupported_format: \(detected) is not an allowed input format (allowed: \(ImageFormat.allowedInputList))"
        case .unsupportedFormat(nil):
            "unsupported_format: not a recognised image (allowed: \(ImageFormat.allowedInputList))"
        case let .corrupt(detail): "corrupt: the image cannot be decoded (\(detail))"
        case let .invalidArgument(detail): "invalid_argument: \(detail)"
        case let .unsupportedOutput(format): "unsupported_output: this build cannot encode \(format)"
        case let .failed(operation, detail): "failed: \(operation): \(detail)"
        case .cancelled: "cancelled: stopped while the pixels were computed"
        }
    }

    private static func megapixels(_ width: Int, _ height: Int) -> String {
        trimmed((Double(width) * Double(height) / 100_000).rounded() / 10)
    }

    private static func trimmed(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
