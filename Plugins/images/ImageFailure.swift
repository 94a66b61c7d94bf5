import Images
import PluginKit

/// An `ImageError` as a task's error: its stable code first, then the plugins.yaml key of the limit that
/// refused the image (the library names its own fields), and the step that failed when there was one.
enum ImageFailure {
    static func taskError(_ error: ImageError, limits: ImageLimits, step: String? = nil) -> TaskError {
        let at = step.map { " (\($0))" } ?? ""
        switch error {
        case .emptyInput:
            return TaskError(.permanent, "empty: the image has no bytes")
        case let .tooLargeInput(bytes, limit):
            return TaskError(.permanent, "too_large: the image is \(bytes) bytes, more than max_input_mb (\(limit >> 20) MB)")
        case let .tooManyPixels(width, height, limit):
            let megapixels = (Double(width) * Double(height) / 100_000).rounded() / 10
            return TaskError(.permanent, "too_large: \(width)x\(height) is \(number(megapixels)) megapixels, more than max_megapixels (\(number(limit))); refused from the header, nothing was decoded")
        case let .tooManyFrames(count, limit):
            return TaskError(.permanent, "too_large: the image declares \(count) frames, more than max_frames (\(limit))")
        case let .outputTooLarge(width, height, limit):
            let key = width > limit || height > limit
                ? "max_output_dimension (\(limit) pixels a side)"
                : "max_output_megapixels (\(number(limits.maxOutputMegapixels)))"
            return TaskError(.permanent, "too_large: the output\(at) would be \(width)x\(height), more than \(key)")
        case .unsupportedFormat, .corrupt:
            return TaskError(.permanent, error.description)
        case let .invalidArgument(detail):
            return TaskError(.invalidParams, "invalid_argument\(at): \(detail)")
        case let .unsupportedOutput(format):
            return TaskError(.permanent, "unsupported_output: this worker's libvips cannot encode \(format) (output.format)")
        case .failed:
            return TaskError(.permanent, error.description + at)
        case .cancelled:
            return TaskError(.cancelled, "cancelled: the task was cancelled while its image was computed")
        }
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
