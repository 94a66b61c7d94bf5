/// Runs a `data_processing` job: validates the parameters against the rules below, computes the
/// result with `Statistics` and `Correlation`, and shapes it as `DataProcessingResult`.
///
/// Rules (the tests and the user documentation rely on each of them):
///
/// Inputs
/// - `operation` is one of sum, average, count, statistics, correlation; anything else is an
///   invalid-params error listing the valid ones. Unknown parameter keys are rejected.
/// - `data` items are numbers, or objects whose `field` key (default "value") holds the number.
///   Both kinds may be mixed; a number item is its own value.
/// - Numbers are JSON numbers only. A numeric string such as "3" is an error, as are booleans,
///   null, arrays and objects where a number is needed; the error names the index (and the
///   field): `data[3] is not a number (found string "abc")`, `data[2].value is missing`,
///   `x[1] is not a number (found boolean true)`. A JSON number too large or too small for a
///   Double (1e999) is reported as `field 'value' of data[1] is not a finite number …` (or
///   `data[1] is not a finite number …` for a bare item).
/// - `x`, `y`, `fields` and `method` belong to correlation and are rejected by the other
///   operations; `field` is rejected by correlation (it takes `fields`), ignored by count.
///   sum, average, count and statistics require `data`.
///
/// Numerics
/// - Sums are compensated (Neumaier), so [1e16, 1, -1e16] sums to 1. The mean is the
///   compensated sum / n. Variances use the compensated, corrected two-pass formula.
///   Computation is on values scaled by a power of two (exact), so only a final result beyond
///   the range of a Double fails: "the sum overflows a double" (likewise "the variance …",
///   "the range …", "the interquartile range …"). These overflow errors are the only ones
///   with `isInvalidParams == false`: the request is well-formed, the answer does not fit.
///   No result ever contains NaN or ±inf: undefined values are null.
///
/// Operations and result shapes
/// - sum → `{"operation":"sum","count":n,"sum":s}`; an empty `data` sums to 0.
/// - average → `{"operation":"average","count":n,"average":mean}`; empty `data` gives
///   `"count":0,"average":null` (not an error).
/// - count → `{"operation":"count","count":n}`: the number of items, whatever they hold
///   (non-numeric items are fine; `field` is not consulted).
/// - statistics → `{"operation":"statistics","count","sum","mean","median","min","max",
///   "variance_population","variance_sample","std_population","std_sample","q1","q3","range",
///   "iqr"}`. variance_sample and std_sample (divisor n - 1) are null when n < 2. Median and
///   quartiles interpolate linearly between order statistics (type 7, numpy.percentile's
///   default); the median of an even count is the mean of the two middle values. Empty `data`
///   is an invalid-params error "data is empty".
/// - correlation → `{"operation":"correlation","n":n,"pearson":r,"spearman":rho}`. With
///   `method` "pearson" or "spearman" only that key is present; without it, both. Spearman is
///   Pearson on average ranks (ties share the mean of their ranks), as scipy computes it.
///   If x (or y) has zero variance (all values equal) the coefficients are null and
///   `"note":"zero variance in x"` (or "in y", or "in x and y") is added.
///   Pairs come either from `x` and `y` (arrays of numbers of equal length, without `data`),
///   or from `fields: ["a", "b"]` over the object items of `data` (both keys required in every
///   item). Fewer than 2 pairs is an error, as are x and y of different lengths.
///
/// Grouping
/// - With `group_by: "k"` every item must be an object with key k holding a string, number or
///   boolean; it is converted to a string label (1 → "1", true → "true", so 1 and "1" are the
///   same group). A missing key is an error naming the index.
/// - Result: `{"operation":op,"group_by":"k","groups":[{"group":label, ...}, ...]}` where each
///   group carries the same fields as the ungrouped result of op on that group's items, and
///   the groups are in order of first appearance in `data`. Empty `data` gives `"groups":[]`.
/// - Works for sum, average, count, statistics, and correlation in `fields` mode (a group with
///   fewer than 2 items is then an error naming the group).
enum DataProcessor {
    private enum Operation: String, CaseIterable {
        case sum, average, count, statistics, correlation
    }

    static func run(_ p: DataProcessingParams) throws(DataProcessingError) -> DataProcessingResult {
        guard let operation = Operation(rawValue: p.operation) else {
            throw .invalid("unknown operation '\(p.operation)' (expected one of: "
                + Operation.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        try checkParameterUse(operation, p)

        // Correlation between two arrays has no items to group: handled on its own.
        if operation == .correlation, p.hasX || p.hasY {
            guard let x = try p.xValues(), let y = try p.yValues() else {
                throw .invalid("correlation needs both x and y (\(p.hasX ? "y" : "x") is missing)")
            }
            return .single(operation.rawValue, try correlation(x, y, method: p.method, group: nil))
        }

        guard let key = p.groupBy else {
            let fields = try compute(operation, p, items: Array(0..<p.itemCount), group: nil)
            return .single(operation.rawValue, fields)
        }
        var groups: [DataProcessingResult.Group] = []
        for (label, items) in try partition(p, by: key) {
            let fields = try compute(operation, p, items: items, group: label)
            groups.append(DataProcessingResult.Group(label: label, fields: fields))
        }
        return .grouped(operation.rawValue, by: key, groups)
    }

    /// Rejects parameters the operation does not use: they signal a misunderstanding (e.g.
    /// `fields` for `field`) that would otherwise be silently ignored.
    private static func checkParameterUse(_ op: Operation, _ p: DataProcessingParams) throws(DataProcessingError) {
        if op != .correlation {
            if p.hasX || p.hasY { throw .invalid("x and y are only used by correlation") }
            if p.fields != nil { throw .invalid("fields is only used by correlation (to name one field, use field)") }
            if p.method != nil { throw .invalid("method is only used by correlation") }
            if !p.hasData { throw .invalid("data is required for operation '\(op.rawValue)'") }
            return
        }
        if p.fieldWasGiven {
            throw .invalid("correlation does not use field; name the two fields with fields: [\"a\", \"b\"], or give x and y")
        }
        if let method = p.method, method != "pearson", method != "spearman" {
            throw .invalid("method must be 'pearson' or 'spearman' (got '\(method)'); omit it for both")
        }
        if p.hasX || p.hasY {
            if p.hasData || p.fields != nil {
                throw .invalid("correlation takes either x and y, or data with fields, not both")
            }
            if p.groupBy != nil { throw .invalid("group_by needs data with fields; x and y cannot be grouped") }
            return
        }
        guard let fields = p.fields else {
            throw .invalid(p.hasData
                ? "correlation over data needs fields: [\"a\", \"b\"] naming the two fields (or give x and y instead of data)"
                : "correlation needs x and y, or data with fields")
        }
        guard fields.count == 2 else { throw .invalid("fields must name exactly 2 fields (got \(fields.count))") }
        if !p.hasData { throw .invalid("correlation with fields needs data") }
    }

    /// Item indices per group label, groups in order of first appearance.
    private static func partition(_ p: DataProcessingParams, by key: String) throws(DataProcessingError) -> [(String, [Int])] {
        var order: [(String, [Int])] = []
        var position: [String: Int] = [:]
        for i in 0..<p.itemCount {
            let label = try p.groupLabel(ofItem: i, key: key)
            if let k = position[label] {
                order[k].1.append(i)
            } else {
                position[label] = order.count
                order.append((label, [i]))
            }
        }
        return order
    }

    /// The result fields of `op` over the given items of `data`.
    private static func compute(
        _ op: Operation, _ p: DataProcessingParams, items: [Int], group: String?
    ) throws(DataProcessingError) -> DataProcessingResult.Fields {
        var f = DataProcessingResult.Fields()
        switch op {
        case .count:
            f.add("count", .integer(items.count))
        case .sum:
            let values = try numbers(p, items)
            f.add("count", .integer(values.count))
            f.add("sum", .number(try Statistics.sum(values)))
        case .average:
            let values = try numbers(p, items)
            f.add("count", .integer(values.count))
            f.add("average", .number(Statistics.mean(values)))
        case .statistics:
            let s = try Statistics.summary(try numbers(p, items))
            f.add("count", .integer(s.count))
            f.add("sum", .number(s.sum))
            f.add("mean", .number(s.mean))
            f.add("median", .number(s.median))
            f.add("min", .number(s.min))
            f.add("max", .number(s.max))
            f.add("variance_population", .number(s.variancePopulation))
            f.add("variance_sample", .number(s.varianceSample))
            f.add("std_population", .number(s.stdPopulation))
            f.add("std_sample", .number(s.stdSample))
            f.add("q1", .number(s.q1))
            f.add("q3", .number(s.q3))
            f.add("range", .number(s.range))
            f.add("iqr", .number(s.iqr))
        case .correlation:
            // checkParameterUse guarantees exactly two fields here.
            let names = p.fields!
            let reason = "correlation over fields needs objects with '\(names[0])' and '\(names[1])'"
            var x: [Double] = []
            var y: [Double] = []
            for i in items {
                x.append(try p.fieldValue(ofItem: i, field: names[0], reason: reason))
                y.append(try p.fieldValue(ofItem: i, field: names[1], reason: reason))
            }
            f = try correlation(x, y, method: p.method, group: group)
        }
        return f
    }

    private static func numbers(_ p: DataProcessingParams, _ items: [Int]) throws(DataProcessingError) -> [Double] {
        var values: [Double] = []
        values.reserveCapacity(items.count)
        for i in items { values.append(try p.value(ofItem: i, field: p.field)) }
        return values
    }

    /// `n`, the requested coefficients, and a note when one is undefined.
    private static func correlation(
        _ x: [Double], _ y: [Double], method: String?, group: String?
    ) throws(DataProcessingError) -> DataProcessingResult.Fields {
        guard x.count == y.count else {
            throw .invalid("correlation needs x and y of equal length (got \(x.count) and \(y.count))")
        }
        guard x.count >= 2 else {
            let inGroup = group.map { " in group '\($0)'" } ?? ""
            throw .invalid("correlation needs at least 2 pairs (got \(x.count)\(inGroup))")
        }
        var f = DataProcessingResult.Fields()
        f.add("n", .integer(x.count))
        if method == nil || method == "pearson" { f.add("pearson", .number(Correlation.pearson(x, y))) }
        if method == nil || method == "spearman" { f.add("spearman", .number(Correlation.spearman(x, y))) }
        switch (Correlation.isConstant(x), Correlation.isConstant(y)) {
        case (true, true): f.add("note", .text("zero variance in x and y"))
        case (true, false): f.add("note", .text("zero variance in x"))
        case (false, true): f.add("note", .text("zero variance in y"))
        case (false, false): break
        }
        return f
    }

    /// JSON Schema (draft 2020-12 subset: type, properties, required, enum, items, minItems,
    /// maxItems, additionalProperties, oneOf, description) of the parameters. The top level
    /// gives every key's type; the `oneOf` branches say which keys go with which operation
    /// (each lists its allowed keys, with `additionalProperties: false`), mirroring the rules
    /// of `run`. Cross-item rules (numbers by index, equal lengths) are checked by `run`.
    static let paramsSchema: String = """
    {
      "type": "object",
      "description": "Parameters of a data_processing job: aggregate numbers (sum, average, count, statistics) or correlate two series.",
      "properties": {
        "operation": {
          "type": "string",
          "enum": ["sum", "average", "count", "statistics", "correlation"],
          "description": "What to compute."
        },
        "data": {
          "type": "array",
          "description": "The items: JSON numbers, or objects holding the number under `field` (numeric strings are not numbers). count accepts items of any kind. For correlation with `fields`, objects holding both fields."
        },
        "field": {
          "type": "string",
          "description": "Key of object items in `data` that holds the number. Default \\"value\\". Not used by correlation."
        },
        "group_by": {
          "type": "string",
          "description": "Key of object items whose value (string, number or boolean) names the item's group; the result then has one entry per group, in order of first appearance."
        },
        "fields": {
          "type": "array",
          "items": {"type": "string"},
          "minItems": 2,
          "maxItems": 2,
          "description": "Correlation only: the two keys of the object items of `data` to correlate."
        },
        "x": {
          "type": "array",
          "items": {"type": "number"},
          "minItems": 2,
          "description": "Correlation only: first series; same length as `y`."
        },
        "y": {
          "type": "array",
          "items": {"type": "number"},
          "minItems": 2,
          "description": "Correlation only: second series; same length as `x`."
        },
        "method": {
          "type": "string",
          "enum": ["pearson", "spearman"],
          "description": "Correlation only: the coefficient to compute; both when absent."
        }
      },
      "required": ["operation"],
      "additionalProperties": false,
      "oneOf": [
        {
          "description": "sum, average or statistics over data (numbers or objects), optionally per group.",
          "properties": {
            "operation": {"enum": ["sum", "average", "statistics"]},
            "data": {"items": {"type": ["number", "object"]}}, "field": {}, "group_by": {}
          },
          "required": ["operation", "data"],
          "additionalProperties": false
        },
        {
          "description": "count of the items of data, of any kind, optionally per group.",
          "properties": {
            "operation": {"enum": ["count"]},
            "data": {}, "field": {}, "group_by": {}
          },
          "required": ["operation", "data"],
          "additionalProperties": false
        },
        {
          "description": "correlation between the arrays x and y.",
          "properties": {
            "operation": {"enum": ["correlation"]},
            "x": {}, "y": {}, "method": {}
          },
          "required": ["operation", "x", "y"],
          "additionalProperties": false
        },
        {
          "description": "correlation between two fields of the objects in data, optionally per group.",
          "properties": {
            "operation": {"enum": ["correlation"]},
            "data": {}, "fields": {}, "group_by": {}, "method": {}
          },
          "required": ["operation", "data", "fields"],
          "additionalProperties": false
        }
      ]
    }
    """
}
