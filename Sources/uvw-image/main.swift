// uvw-image: the Images library without a worker, for the differential tests in tests/ (Pillow, numpy).
// Arguments in, one JSON object out on stdout; exit status 1 with {"error": "<code>: ..."} on failure.
//
//   uvw-image analyze FILE [--bins N] [--colours K]
//   uvw-image resize FILE [--width W] [--height H] [--scale S] [--fit cover|contain|fill|inside|outside]
//                         [--kernel K] [--without-enlargement] [--position centre|north|...|entropy|attention] -o OUT
//   uvw-image thumbnail FILE --width W --height H [--crop centre|entropy|attention] [--no-shrink-on-load]
//                         [--no-fast-shrink] -o OUT
//   uvw-image crop FILE --width W --height H [--left L --top T | --gravity G | --strategy entropy|attention] -o OUT
//   uvw-image rotate FILE --angle A [--background r,g,b] -o OUT
//   uvw-image autorot|flip|flop FILE -o OUT
//   uvw-image filter FILE --name blur|sharpen|grayscale|sepia|negate|threshold|brightness|contrast|gamma|saturation|tint
//                         [--value V] [--rgb r,g,b] -o OUT
//   uvw-image extend FILE [--top N] [--right N] [--bottom N] [--left N] [--mode M] [--background v,...] -o OUT
//   uvw-image composite FILE --overlay FILE2 [--gravity G] [--opacity O] -o OUT
//   uvw-image convert FILE -o OUT
//   uvw-image bench FILE [--iterations N] [--width W] [--no-shrink-on-load] [--no-fast-shrink]
//                         -> thumbnails per second, resident memory after the first and the last quarter (leak check)
// Every command: [--format F] [--quality Q] [--keep-metadata] [--no-auto-orient] [--max-bytes N]
//   [--max-megapixels N] [--max-frames N] [--max-output-dimension N] [--strict]
//
// Foundation is used only here, for files and the clock; the library has none.
import Foundation
import Images
import JSON

/// An integer as JSON (the JSON library's numbers are doubles; integral ones print without a fraction).
func int(_ value: Int) -> JSONValue { .number(Double(value)) }

struct Arguments {
    var command: String
    var file: String
    var options: [String: String] = [:]
    var flags: Set<String> = []

    init(_ argv: [String]) throws(ImageError) {
        guard argv.count >= 2 else { throw .invalidArgument("usage: uvw-image COMMAND FILE [options]") }
        self.command = argv[0]
        self.file = argv[1]
        var index = 2
        let flagNames: Set<String> = ["--without-enlargement", "--keep-metadata", "--no-auto-orient", "--no-shrink-on-load",
                                      "--no-fast-shrink", "--strict"]
        while index < argv.count {
            let name = argv[index]
            if flagNames.contains(name) {
                self.flags.insert(name)
                index += 1
            } else if index + 1 < argv.count {
                self.options[name] = argv[index + 1]
                index += 2
            } else {
                throw .invalidArgument("\(name) needs a value")
            }
        }
    }

    func string(_ name: String) -> String? { self.options[name] }

    func int(_ name: String) throws(ImageError) -> Int? {
        guard let text = self.options[name] else { return nil }
        guard let value = Int(text) else { throw .invalidArgument("\(name) must be an integer, got \(text)") }
        return value
    }

    func double(_ name: String) throws(ImageError) -> Double? {
        guard let text = self.options[name] else { return nil }
        guard let value = Double(text) else { throw .invalidArgument("\(name) must be a number, got \(text)") }
        return value
    }

    func doubles(_ name: String) throws(ImageError) -> [Double]? {
        guard let text = self.options[name] else { return nil }
        var values = [Double]()
        for part in text.split(separator: ",") {
            guard let value = Double(part) else { throw .invalidArgument("\(name) must be comma-separated numbers") }
            values.append(value)
        }
        return values
    }

    func limits() throws(ImageError) -> ImageLimits {
        var limits = ImageLimits()
        if let v = try self.int("--max-bytes") { limits.maxInputBytes = v }
        if let v = try self.double("--max-megapixels") { limits.maxMegapixels = v }
        if let v = try self.int("--max-frames") { limits.maxFrames = v }
        if let v = try self.int("--max-output-dimension") { limits.maxOutputDimension = v }
        limits.strictDecoding = self.flags.contains("--strict")
        return limits
    }
}

func readFile(_ path: String) throws(ImageError) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw .invalidArgument("cannot read \(path)") }
    return [UInt8](data)
}

func strategy(_ name: String) throws(ImageError) -> CropStrategy {
    switch name {
    case "entropy": return .entropy
    case "attention": return .attention
    default:
        guard let gravity = Gravity(name: name) else { throw .invalidArgument("unknown position \(name)") }
        return .gravity(gravity)
    }
}

func filter(_ args: Arguments) throws(ImageError) -> ImageFilter {
    let name = args.string("--name") ?? ""
    let value = try args.double("--value")
    switch name {
    case "blur": return .blur(sigma: value ?? 1)
    case "sharpen": return .sharpen(sigma: value ?? 1)
    case "grayscale", "greyscale": return .grayscale
    case "sepia": return .sepia
    case "negate": return .negate
    case "threshold": return .threshold(value ?? 128)
    case "brightness": return .brightness(value ?? 1)
    case "contrast": return .contrast(value ?? 1)
    case "gamma": return .gamma(value ?? 2.2)
    case "saturation": return .saturation(value ?? 1)
    case "tint":
        let rgb = try args.doubles("--rgb") ?? [255, 240, 200]
        guard rgb.count == 3 else { throw .invalidArgument("--rgb needs three values") }
        return .tint(red: rgb[0], green: rgb[1], blue: rgb[2])
    default: throw .invalidArgument("unknown filter \(name)")
    }
}

/// Steps that read pixels out of order need the whole image decoded (random access).
func needsRandomAccess(_ args: Arguments) -> Bool {
    switch args.command {
    case "analyze": return true
    case "crop": return ["entropy", "attention"].contains(args.string("--strategy") ?? "")
    case "resize": return ["entropy", "attention"].contains(args.string("--position") ?? "")
    case "thumbnail": return ["entropy", "attention"].contains(args.string("--crop") ?? "")
    default: return false
    }
}

func run(_ args: Arguments) throws(ImageError) -> JSONValue {
    let limits = try args.limits()
    let bytes = try readFile(args.file)
    // libvips' one-time setup is not part of any task's time.
    try Image.prepare(concurrency: limits.concurrency)
    let clock = ContinuousClock()
    let start = clock.now
    func elapsed() -> JSONValue {
        let d = clock.now - start
        return .number(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) * 1e-15)
    }

    if args.command == "analyze" {
        let image = try Image.load(bytes, limits: limits, access: .random)
        let analysis = try ImageAnalysis.analyze(image, bins: try args.int("--bins") ?? 256, colours: try args.int("--colours") ?? 5)
        var report = analysis.json
        report["file_size"] = int(bytes.count)
        report["elapsed_ms"] = elapsed()
        return .object(report)
    }
    if args.command == "bench" {
        return try bench(args, bytes: bytes, limits: limits)
    }
    if args.command == "info" {
        let image = try Image.load(bytes, limits: limits)
        return ["width": int(image.width), "height": int(image.height), "bands": int(image.bands),
                "format": .string(image.sourceFormat.rawValue), "page_count": int(image.pageCount),
                "orientation": int(image.orientation), "elapsed_ms": elapsed()]
    }

    var steps: [String] = []
    var image: Image
    if args.command == "thumbnail" && !args.flags.contains("--no-shrink-on-load") {
        let crop = try args.string("--crop").map(strategy)
        image = try Image.thumbnail(bytes, width: try args.int("--width") ?? 128, height: try args.int("--height") ?? 128,
                                    crop: crop, limits: limits, fastShrinkOnLoad: !args.flags.contains("--no-fast-shrink"))
        steps.append("thumbnail")
    } else {
        image = try Image.load(bytes, limits: limits, access: needsRandomAccess(args) ? .random : .sequential)
        // auto_orient is on by default, as in the task's options; libvips buffers the rotation itself, so a
        // sequential load is fine.
        let autoOrient = !args.flags.contains("--no-auto-orient") || args.command == "autorot"
        if autoOrient && image.orientation != 1 {
            image = try image.autoOrient()
            steps.append("auto_orient")
        } else if args.command == "autorot" {
            steps.append("auto_orient")
        }
        switch args.command {
        case "resize":
            let fit = try args.string("--fit").map { (name: String) throws(ImageError) -> ResizeFit in
                guard let fit = ResizeFit(rawValue: name) else { throw .invalidArgument("unknown fit \(name)") }
                return fit
            } ?? .cover
            let kernel = try args.string("--kernel").map { (name: String) throws(ImageError) -> ResizeKernel in
                guard let kernel = ResizeKernel(rawValue: name) else { throw .invalidArgument("unknown kernel \(name)") }
                return kernel
            } ?? .lanczos3
            image = try image.resize(ResizeOptions(
                width: try args.int("--width"), height: try args.int("--height"), scale: try args.double("--scale"), fit: fit,
                kernel: kernel, withoutEnlargement: args.flags.contains("--without-enlargement"),
                position: try strategy(args.string("--position") ?? "centre"), background: try args.doubles("--background")))
        case "thumbnail":
            let crop = try args.string("--crop").map(strategy)
            image = try image.thumbnail(width: try args.int("--width") ?? 128, height: try args.int("--height") ?? 128, crop: crop)
        case "crop":
            let width = try args.int("--width") ?? image.width, height = try args.int("--height") ?? image.height
            if let left = try args.int("--left"), let top = try args.int("--top") {
                image = try image.crop(left: left, top: top, width: width, height: height)
            } else {
                let how = try strategy(args.string("--strategy") ?? args.string("--gravity") ?? "centre")
                image = try image.crop(width: width, height: height, strategy: how)
            }
        case "rotate":
            image = try image.rotate(degrees: try args.double("--angle") ?? 0, background: try args.doubles("--background"))
        case "autorot": break
        case "flip": image = try image.flip()
        case "flop": image = try image.flop()
        case "filter": image = try image.apply(try filter(args))
        case "extend":
            image = try image.extend(top: try args.int("--top") ?? 0, right: try args.int("--right") ?? 0,
                                     bottom: try args.int("--bottom") ?? 0, left: try args.int("--left") ?? 0,
                                     mode: args.string("--mode") ?? "background", background: try args.doubles("--background"))
        case "composite":
            guard let path = args.string("--overlay") else { throw .invalidArgument("--overlay is required") }
            let overlay = try Image.load(try readFile(path), limits: limits)
            guard let gravity = Gravity(name: args.string("--gravity") ?? "south-east") else { throw .invalidArgument("unknown gravity") }
            image = try image.composite(overlay, gravity: gravity, opacity: try args.double("--opacity") ?? 1)
        case "convert": break
        default: throw .invalidArgument("unknown command \(args.command)")
        }
        steps.append(args.command)
    }

    let format = try args.string("--format").map { (name: String) throws(ImageError) -> ImageFormat in
        guard let format = ImageFormat(rawValue: name == "jpg" ? "jpeg" : name) else { throw .unsupportedOutput(format: name) }
        return format
    }
    let encoded = try image.encode(format: format, quality: try args.int("--quality") ?? 80,
                                   stripMetadata: !args.flags.contains("--keep-metadata"))
    guard let out = args.string("-o") else { throw .invalidArgument("-o OUT is required") }
    guard FileManager.default.createFile(atPath: out, contents: Data(encoded)) else { throw .invalidArgument("cannot write \(out)") }
    return ["path": .string(out), "width": int(image.width), "height": int(image.height),
            "format": .string((format ?? image.sourceFormat).rawValue), "bytes": int(encoded.count),
            "steps": .array(steps.map { .string($0) }), "elapsed_ms": elapsed()]
}

/// Resident set size in KiB (/proc/self/statm), for the leak check.
func residentKiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024 : 0
}

func bench(_ args: Arguments, bytes: [UInt8], limits: ImageLimits) throws(ImageError) -> JSONValue {
    let iterations = try args.int("--iterations") ?? 100
    let width = try args.int("--width") ?? 256
    let shrinkOnLoad = !args.flags.contains("--no-shrink-on-load")
    let clock = ContinuousClock()
    var quarterRSS = 0
    let start = clock.now
    for iteration in 0..<iterations {
        let image = shrinkOnLoad
            ? try Image.thumbnail(bytes, width: width, height: width, limits: limits,
                                  fastShrinkOnLoad: !args.flags.contains("--no-fast-shrink"))
            : try Image.load(bytes, limits: limits).resize(ResizeOptions(width: width, height: width, fit: .inside))
        _ = try image.encode(format: .jpeg, quality: 80)
        if iteration == iterations / 4 { quarterRSS = residentKiB() }
    }
    let d = clock.now - start
    let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return ["iterations": int(iterations), "per_second": .number(Double(iterations) / seconds),
            "rss_kib_after_quarter": int(quarterRSS), "rss_kib_at_end": int(residentKiB()), "peak_rss_kib": int(usage.ru_maxrss)]
}

do {
    let report = try run(try Arguments(Array(CommandLine.arguments.dropFirst())))
    print(report.serialized())
} catch {
    print(JSONValue.object(["error": .string(error.description)]).serialized())
    exit(1)
}
