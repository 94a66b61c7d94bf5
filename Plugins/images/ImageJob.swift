import Images
import PluginFetch
import PluginKit

/// One `image_processing` task: the source read under the limits, its header checked (size, pixels,
/// frames) before anything is decoded, then either the analysis or the steps and the encoder in one
/// pass. Blocking: runs on the plugin's blocking thread.
struct ImageJob {
    let plugin: ImagesPlugin
    let params: ImageParams
    let context: TaskContext

    private var limits: ImageLimits { plugin.config.limits }

    func run() throws -> JSONValue {
        let started = ContinuousClock.now
        let source = try ImageSource.load(params.origin, config: plugin.config, fetcher: plugin.fetcher, context: context)
        try context.checkCancellation()
        var result = try failing {
            // The header is checked here (allowlist, pixels, frames) before anything is decoded; the same load
            // is the analysis' or the pipeline's source where it can be.
            let header = try StepFailure.catching(nil) { try Image.load(source.bytes, limits: limits, access: params.access) }
            if params.page >= header.pageCount {
                throw StepFailure(error: .invalidArgument("page \(params.page) does not exist: the image has \(header.pageCount) page\(header.pageCount == 1 ? "" : "s") (page counts from 0)"), step: "page")
            }
            if let analysis = params.analysis {
                return try analyze(source, header: header, bins: analysis.bins, colours: analysis.colours)
            }
            return try transform(source, header: header)
        }
        var input = source.report
        result["operation"] = params.analysis != nil ? "analyze" : nil
        input["bytes"] = .number(Double(source.bytes.count))
        result["input"] = .object(input.merging(result["input"]?.objectValue ?? [:]) { $1 })
        result["elapsed_ms"] = .number((started.duration(to: .now).seconds * 1000).rounded())
        return .object(result)
    }

    /// `header` was loaded with random access (analysis needs it); another page is loaded on its own.
    private func analyze(_ source: ImageSource, header: Image, bins: Int, colours: Int) throws -> [String: JSONValue] {
        let image = params.page == 0
            ? header
            : try StepFailure.catching(nil) { try Image.load(source.bytes, limits: limits, access: .random, page: params.page) }
        let analysis = try StepFailure.catching(nil) { try ImageAnalysis.analyze(image, bins: bins, colours: colours) }
        var report = analysis.json
        report["file_size"] = .number(Double(source.bytes.count))
        return report
    }

    private func transform(_ source: ImageSource, header: Image) throws -> [String: JSONValue] {
        let pipeline = ImagePipeline(params: params, limits: limits, overlay: { overlay, place in
            try ImageSource.overlay(overlay, config: plugin.config, place: place)
        }, context: context)
        // A step libvips cannot stream fails on its second read; the whole pass then runs again with the
        // image decoded into memory.
        let rendered: (image: Image, applied: [String], bytes: [UInt8])
        do {
            rendered = try render(pipeline, source.bytes, header: header, access: params.access)
        } catch let failure as StepFailure where params.access == .sequential && failure.error.needsRandomAccess {
            rendered = try render(pipeline, source.bytes, header: header, access: .random)
        }
        let format = params.output.format ?? header.sourceFormat
        var result: [String: JSONValue] = [
            "width": .number(Double(rendered.image.width)), "height": .number(Double(rendered.image.height)),
            "format": .string(format.rawValue), "mime_type": .string(format.mimeType),
            "bytes": .number(Double(rendered.bytes.count)), "steps": .array(rendered.applied.map { .string($0) }),
            "input": .object(["format": .string(header.sourceFormat.rawValue), "width": .number(Double(header.width)),
                              "height": .number(Double(header.height)), "pages": .number(Double(header.pageCount))]),
        ]
        switch params.output.destination {
        case .base64:
            result["image"] = .string(Base64.encode(rendered.bytes))
        case .file(let name):
            result["path"] = .string(try OutputFile(directory: plugin.config.outputDirectory).write(rendered.bytes, name: name))
        }
        return result
    }

    private func render(_ pipeline: ImagePipeline, _ bytes: [UInt8], header: Image,
                        access: Image.Access) throws -> (image: Image, applied: [String], bytes: [UInt8]) {
        let (image, applied) = try pipeline.build(bytes, header: header, access: access)
        try context.checkCancellation()
        let output = params.output
        let encoded = try StepFailure.catching(nil) {
            try image.encode(format: output.format, quality: output.quality, stripMetadata: output.stripMetadata,
                             shouldStop: { [context] in context.isCancelled || (context.secondsLeft ?? 1) <= 0 })
        }
        return (image, applied, encoded)
    }

    /// Library errors as task errors (the limit's plugins.yaml key, the step).
    private func failing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as StepFailure {
            if failure.error == .cancelled && !context.isCancelled {
                throw TaskError(.timeout, "timeout: the task reached its deadline while its image was computed")
            }
            throw ImageFailure.taskError(failure.error, limits: limits, step: failure.step)
        }
    }
}

extension ImageFormat {
    var mimeType: String { "image/" + rawValue }
}
