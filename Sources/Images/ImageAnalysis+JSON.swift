public import JSON

extension ImageAnalysis {
    /// The report as JSON, with the keys the README documents: the image_processing task's `analyze`
    /// result and `uvw-image analyze`'s output (which the differential tests read) are this one object.
    public var json: [String: JSONValue] {
        func number(_ value: Int) -> JSONValue { .number(Double(value)) }
        let a = self
        return [
            "width": number(a.width), "height": number(a.height), "bands": number(a.bands), "format": .string(a.format.rawValue),
            "colour_space": .string(a.colourSpace), "alpha": .bool(a.hasAlpha), "bit_depth": number(a.bitDepth),
            "orientation": number(a.orientation), "dpi": .array([.number(a.dpi.x), .number(a.dpi.y)]),
            "animated": .bool(a.animated), "page_count": number(a.pageCount),
            "exif": .bool(a.hasEXIF), "xmp": .bool(a.hasXMP), "icc": .bool(a.hasICC),
            "exif_fields": .object(Dictionary(a.exif.map { ($0.tag, JSONValue.string($0.value)) }, uniquingKeysWith: { first, _ in first })),
            "stats": .array(a.stats.map { s in
                .object(["mean": .number(s.mean), "stdev": .number(s.stdev), "min": .number(s.min), "max": .number(s.max)])
            }),
            "histogram": .object(["bins": .array(a.histogram.map { .array($0.map(number)) })]),
            "dominant_colours": .array(a.dominantColours.map { c in
                .object(["hex": .string(c.hex), "rgb": .array([number(c.red), number(c.green), number(c.blue)]), "share": .number(c.share)])
            }),
            "sharpness": .number(a.sharpness), "dhash": .string(a.dhash), "phash": .string(a.phash),
        ]
    }
}
