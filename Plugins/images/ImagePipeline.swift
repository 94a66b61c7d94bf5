import Images
import PluginKit

/// A step's library error, with the step it happened in (nil: loading or encoding).
struct StepFailure: Error {
    var error: ImageError
    var step: String?

    /// Runs a library call, an `ImageError` it throws becoming a failure of `step`; other errors
    /// (a task error reading an overlay, a cancellation) pass as they are.
    static func catching<T>(_ step: String?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ImageError {
            throw StepFailure(error: error, step: step)
        }
    }
}

/// The task's steps applied to a loaded image. Nothing is decoded here: libvips builds a lazy pipeline
/// that the encoder (or the analysis) runs in one pass.
struct ImagePipeline {
    let params: ImageParams
    let limits: ImageLimits
    /// Reads a composite's overlay (a file under IMAGES_DIR, or the task's bytes).
    let overlay: (OverlaySource, String) throws -> [UInt8]
    let context: TaskContext

    /// The image after every step, and the names of the steps applied (auto_orient included when the
    /// EXIF orientation was not upright). `header` is the job's load of the first page with the
    /// parameters' access; it is the pipeline's source when `access` is that, else the bytes are loaded again.
    func build(_ bytes: [UInt8], header: Image, access: Image.Access) throws -> (image: Image, applied: [String]) {
        var applied: [String] = []
        var steps = params.steps[...]
        var image: Image
        let upright = header.orientation == 1
        if case let .thumbnail(width, height, crop, fast)? = steps.first, params.page == 0, params.autoOrient || upright {
            // libvips' shrink-on-load: JPEG and WebP decode straight at a fraction of their size, and the
            // EXIF orientation is applied on the way.
            image = try StepFailure.catching("thumbnail") {
                try Image.thumbnail(bytes, width: width ?? limits.maxOutputDimension, height: height ?? limits.maxOutputDimension,
                                    crop: crop, limits: limits, fastShrinkOnLoad: fast)
            }
            if !upright { applied.append("auto_orient") }
            applied.append("thumbnail")
            steps = steps.dropFirst()
        } else {
            image = params.page == 0 && access == params.access
                ? header
                : try StepFailure.catching(nil) { try Image.load(bytes, limits: limits, access: access, page: params.page) }
            if params.autoOrient && !upright {
                image = try StepFailure.catching("auto_orient") { try image.autoOrient() }
                applied.append("auto_orient")
            }
        }
        for (index, step) in zip(steps.indices, steps) {
            try context.checkCancellation()
            let place = params.steps.count == 1 ? step.name : "operations[\(index)] \(step.name)"
            image = try apply(step, to: image, place: place)
            applied.append(step.name)
        }
        return (image, applied)
    }

    private func apply(_ step: ImageStep, to image: Image, place: String) throws -> Image {
        try StepFailure.catching(place) {
            var image = image
            // A see-through background needs an alpha band to be seen through (as sharp adds one); the
            // encoder flattens it again for formats without alpha (JPEG).
            if let colour = step.background, colour.alpha < 255 { image = try image.withAlpha() }
            let fill = step.background?.values(bands: image.bands, hasAlpha: image.hasAlpha)
            switch step {
            case .resize(var options, _):
                options.background = fill
                return try image.resize(options)
            case let .thumbnail(width, height, crop, _):
                return try image.thumbnail(width: width ?? limits.maxOutputDimension, height: height ?? limits.maxOutputDimension,
                                           crop: crop)
            case let .cropBox(left, top, width, height):
                return try image.crop(left: left, top: top, width: width, height: height)
            case let .crop(width, height, strategy):
                return try image.crop(width: width, height: height, strategy: strategy)
            case let .rotate(degrees, _):
                return try image.rotate(degrees: degrees, background: fill)
            case .autoOrient:
                return try image.autoOrient()
            case .flip:
                return try image.flip()
            case .flop:
                return try image.flop()
            case .filter(let filter, _):
                return try image.apply(filter)
            case let .extend(top, right, bottom, left, mode, _):
                return try image.extend(top: top, right: right, bottom: bottom, left: left, mode: mode, background: fill)
            case let .pad(width, height, gravity, _):
                return try image.pad(toWidth: width, height: height, gravity: gravity, background: fill)
            case let .composite(source, gravity, opacity):
                let overlay = try Image.load(try self.overlay(source, place + ".overlay"), limits: limits, access: .sequential)
                let upright = overlay.orientation == 1 ? overlay : try overlay.autoOrient()
                // As sharp: an overlay larger than the image is refused rather than silently cut.
                guard upright.width <= image.width, upright.height <= image.height else {
                    throw ImageError.invalidArgument("the overlay (\(upright.width)x\(upright.height)) is larger than the image (\(image.width)x\(image.height)); resize it first")
                }
                return try image.composite(upright, gravity: gravity, opacity: opacity)
            case .convert, .analyze:
                // convert: the format is settled in OutputOptions; the pixels are unchanged.
                return image
            }
        }
    }
}

extension ImageStep {
    /// The colour a step fills new pixels with, if it has one.
    var background: Colour? {
        switch self {
        case let .resize(options, colour): options.fit == .contain ? colour : nil
        case let .rotate(_, colour), let .extend(_, _, _, _, _, colour), let .pad(_, _, _, colour): colour
        default: nil
        }
    }
}

extension ImageError {
    /// A second read of a sequentially loaded image: the pipeline must run again with random access.
    var needsRandomAccess: Bool {
        if case let .failed(_, detail) = self { return detail.contains("out of order read") }
        return false
    }
}
