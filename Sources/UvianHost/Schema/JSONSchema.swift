// JSON Schema (draft 2020-12 subset) for job parameters. The schema is checked and compiled once, when a
// plugin is loaded, so a bad schema refuses the plugin instead of failing on every job; validation then
// walks the compiled node table and produces messages meant to be shown to API users as they are.

import JSON

/// One reason an instance does not match a schema.
package struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer to the offending location in the instance; "" is the root.
    package let path: String
    package let message: String

    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    package var description: String { "\(path.isEmpty ? "(root)" : path): \(message)" }

    /// The location as a field name under `root`, the way API users write it:
    /// `/data/1/value` under "parameters" is `parameters.data[1].value`.
    package func field(under root: String) -> String {
        guard !path.isEmpty else { return root }
        var field = root
        for component in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            // Stdlib `replacing`, so this file does not lean on Foundation being imported elsewhere.
            let key = component.replacing("~1", with: "/").replacing("~0", with: "~")
            if !key.isEmpty, key.allSatisfy(\.isNumber) {
                field += "[\(key)]"
            } else {
                field += field.isEmpty ? key : ".\(key)"
            }
        }
        return field
    }
}

/// The schema itself is unusable; `path` is a JSON Pointer into the schema document.
package struct InvalidSchemaError: Error, Sendable, CustomStringConvertible {
    package let path: String
    package let message: String

    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    package var description: String { "invalid schema at \(path.isEmpty ? "(root)" : path): \(message)" }
}

/// A compiled JSON Schema.
///
/// Supported: type, enum, const, properties, required, additionalProperties, items, prefixItems,
/// min/maxItems, min/maxLength, min/maxProperties, minimum, maximum, exclusiveMinimum,
/// exclusiveMaximum, multipleOf, pattern, uniqueItems, allOf, anyOf, oneOf, not, if/then/else,
/// $defs and local $ref. Annotations are ignored; keywords we do not know are ignored (as the
/// specification requires), but standard keywords we do not enforce are rejected, so that a schema
/// author never believes a constraint is checked when it is not.
package struct JSONSchema: Sendable {
    package let source: JSONValue
    private let nodes: [CompiledNode]
    /// Patterns are kept as text and compiled per validation: `Regex` is not `Sendable`, and a
    /// `JSONSchema` is shared across concurrent requests. Compiling is cheap next to a job.
    private let patterns: [String]

    /// `validate` stops collecting after this many violations.
    package static let maxViolations = 20
    /// Bounds recursion (deep instances through recursive `$ref`s) so validation cannot exhaust the
    /// stack: 600 levels take about 300 KB in release builds, inside even a 512 KB thread stack, and
    /// leave room for documents at the parser's 256-level limit walked through a few `$ref`s per level.
    static let maxValidationDepth = 600

    package init(_ schema: JSONValue) throws(InvalidSchemaError) {
        var compiler = SchemaCompiler()
        let root = try compiler.compile(schema, at: "", depth: 1)
        assert(root == 0)
        try compiler.resolveReferences()
        try compiler.rejectReferenceCycles()
        self.source = schema
        self.nodes = compiler.nodes.map(CompiledNode.init)
        self.patterns = compiler.patterns
    }

    package init(parsing text: String) throws(InvalidSchemaError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw InvalidSchemaError(path: "", message: "not valid JSON: \(error.message) (at byte \(error.offset))")
        }
        try self.init(value)
    }

    /// All violations (at most `maxViolations`), in a stable order; empty means valid.
    package func validate(_ instance: JSONValue) -> [SchemaViolation] {
        var validator = SchemaValidator(nodes: nodes, patterns: patterns)
        var sink = ViolationSink(limit: Self.maxViolations)
        validator.check(0, instance, depth: 0, &sink)
        return sink.violations
    }

    package func isValid(_ instance: JSONValue) -> Bool {
        var validator = SchemaValidator(nodes: nodes, patterns: patterns)
        var sink = ViolationSink(limit: 1)
        validator.check(0, instance, depth: 0, &sink)
        return sink.violations.isEmpty
    }
}

// MARK: - Compiled form

private struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1 << 0)
    static let boolean = TypeSet(rawValue: 1 << 1)
    static let object = TypeSet(rawValue: 1 << 2)
    static let array = TypeSet(rawValue: 1 << 3)
    static let number = TypeSet(rawValue: 1 << 4)
    static let string = TypeSet(rawValue: 1 << 5)
    static let integer = TypeSet(rawValue: 1 << 6)

    static let byName: [String: TypeSet] = [
        "null": .null, "boolean": .boolean, "object": .object, "array": .array,
        "number": .number, "string": .string, "integer": .integer,
    ]

    func accepts(_ value: JSONValue) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .object: contains(.object)
        case .array: contains(.array)
        case .string: contains(.string)
        case .number(let number): contains(.number) || (contains(.integer) && isIntegral(number))
        }
    }
}

private func isIntegral(_ number: Double) -> Bool {
    number.isFinite && number == number.rounded(.towardZero)
}

/// One schema object (or boolean schema). Subschemas are indices into `JSONSchema.nodes`, which is
/// what lets `$ref` express recursion without reference cycles between values.
private struct SchemaNode: Sendable {
    /// Location in the schema document, for error messages about the schema itself.
    var pointer: String
    var rejectsEverything = false
    var types: TypeSet?
    var typeNames: [String] = []
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    /// Sorted by UTF-8 so violations come out in a stable order.
    var properties: [(name: String, node: Int)] = []
    var propertyIndex: [String: Int] = [:]
    var required: [String] = []
    var additionalProperties: Int?
    var items: Int?
    var prefixItems: [Int] = []
    var minItems: Int?
    var maxItems: Int?
    var minLength: Int?
    var maxLength: Int?
    var minProperties: Int?
    var maxProperties: Int?
    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum: Double?
    var exclusiveMaximum: Double?
    var multipleOf: Double?
    var pattern: Int?
    var uniqueItems = false
    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int?
    var ifSchema: Int?
    var thenSchema: Int?
    var elseSchema: Int?
    var ref: Int?
    var refText: String?

    init(pointer: String) {
        self.pointer = pointer
    }

    /// Subschemas applied to the same instance location; a cycle through these never terminates.
    var inPlaceSubschemas: [Int] {
        var result = allOf + anyOf + oneOf
        for optional in [not, ifSchema, thenSchema, elseSchema, ref] {
            if let optional { result.append(optional) }
        }
        return result
    }
}

/// Validation recurses through `check` once per schema level, so the node is reached through a
/// reference instead of copying the large struct into every stack frame.
private final class CompiledNode: Sendable {
    let rule: SchemaNode

    init(_ rule: SchemaNode) {
        self.rule = rule
    }
}

// MARK: - Compiler

private struct SchemaCompiler {
    var nodes: [SchemaNode] = []
    var patterns: [String] = []
    /// Every compiled subschema by its JSON Pointer, which is what local `$ref`s resolve against.
    var locations: [String: Int] = [:]

    static let annotationStrings: Set<String> = [
        "$schema", "$id", "$anchor", "$comment", "title", "description", "format",
        "contentEncoding", "contentMediaType",
    ]
    static let annotationBooleans: Set<String> = ["deprecated", "readOnly", "writeOnly"]

    /// Standard keywords this validator does not enforce. Ignoring them like unknown keywords would let
    /// a schema author believe they are enforced, so such schemas are refused instead.
    static let unsupported: [String: String] = [
        "patternProperties": "",
        "propertyNames": "",
        "dependentRequired": "",
        "dependentSchemas": "",
        "dependencies": " (and it is not a draft 2020-12 keyword)",
        "contains": "",
        "minContains": "",
        "maxContains": "",
        "unevaluatedProperties": "",
        "unevaluatedItems": "",
        "additionalItems": " (draft 2019-09 and earlier; use prefixItems with items)",
        "$dynamicRef": "",
        "$dynamicAnchor": "",
        "$recursiveRef": "",
        "$recursiveAnchor": "",
    ]

    func invalid(_ pointer: String, _ message: String) -> InvalidSchemaError {
        InvalidSchemaError(path: pointer, message: message)
    }

    mutating func compile(_ schema: JSONValue, at pointer: String, depth: Int) throws(InvalidSchemaError) -> Int {
        if depth > JSONValue.maxParseDepth {
            throw invalid(pointer, "schema is nested deeper than \(JSONValue.maxParseDepth) levels")
        }
        let index = nodes.count
        nodes.append(SchemaNode(pointer: pointer))
        locations[pointer] = index

        let members: [String: JSONValue]
        switch schema {
        case .bool(let accepts):
            nodes[index].rejectsEverything = !accepts
            return index
        case .object(let object):
            members = object
        default:
            throw invalid(pointer, "a schema must be an object or a boolean, not \(article(schema.typeName))")
        }

        // Build into a local and store at the end: children are appended to `nodes` meanwhile.
        var node = SchemaNode(pointer: pointer)
        for (keyword, value) in members.sorted(by: { JSONValue.utf8Precedes($0.key, $1.key) }) {
            let here = pointer + "/" + escapePointerToken(keyword)
            switch keyword {
            case "type":
                (node.types, node.typeNames) = try compileType(value, at: here)
            case "enum":
                guard case .array(let values) = value else { throw invalid(here, "enum must be an array") }
                node.enumValues = values
            case "const":
                node.constValue = value
            case "properties":
                guard case .object(let properties) = value else {
                    throw invalid(here, "properties must be an object whose values are schemas")
                }
                for (name, subschema) in properties.sorted(by: { JSONValue.utf8Precedes($0.key, $1.key) }) {
                    let child = try compile(subschema, at: here + "/" + escapePointerToken(name), depth: depth + 1)
                    node.properties.append((name, child))
                    node.propertyIndex[name] = child
                }
            case "required":
                node.required = try compileRequired(value, at: here)
            case "additionalProperties":
                node.additionalProperties = try compile(value, at: here, depth: depth + 1)
            case "items":
                if case .array = value {
                    throw invalid(here, "items must be a single schema in draft 2020-12; use prefixItems for tuples")
                }
                node.items = try compile(value, at: here, depth: depth + 1)
            case "prefixItems":
                node.prefixItems = try compileSchemaArray(value, at: here, depth: depth)
            case "minItems": node.minItems = try compileCount(value, at: here)
            case "maxItems": node.maxItems = try compileCount(value, at: here)
            case "minLength": node.minLength = try compileCount(value, at: here)
            case "maxLength": node.maxLength = try compileCount(value, at: here)
            case "minProperties": node.minProperties = try compileCount(value, at: here)
            case "maxProperties": node.maxProperties = try compileCount(value, at: here)
            case "minimum": node.minimum = try compileNumber(value, at: here)
            case "maximum": node.maximum = try compileNumber(value, at: here)
            case "exclusiveMinimum": node.exclusiveMinimum = try compileNumber(value, at: here)
            case "exclusiveMaximum": node.exclusiveMaximum = try compileNumber(value, at: here)
            case "multipleOf":
                let divisor = try compileNumber(value, at: here)
                guard divisor > 0 else { throw invalid(here, "multipleOf must be greater than 0") }
                node.multipleOf = divisor
            case "pattern":
                guard case .string(let pattern) = value else { throw invalid(here, "pattern must be a string") }
                do {
                    _ = try makeRegex(pattern)
                } catch {
                    throw invalid(here, "invalid regular expression '\(pattern)': \(error)")
                }
                node.pattern = patterns.count
                patterns.append(pattern)
            case "uniqueItems":
                guard case .bool(let flag) = value else { throw invalid(here, "uniqueItems must be a boolean") }
                node.uniqueItems = flag
            case "allOf": node.allOf = try compileSchemaArray(value, at: here, depth: depth)
            case "anyOf": node.anyOf = try compileSchemaArray(value, at: here, depth: depth)
            case "oneOf": node.oneOf = try compileSchemaArray(value, at: here, depth: depth)
            case "not": node.not = try compile(value, at: here, depth: depth + 1)
            case "if": node.ifSchema = try compile(value, at: here, depth: depth + 1)
            case "then": node.thenSchema = try compile(value, at: here, depth: depth + 1)
            case "else": node.elseSchema = try compile(value, at: here, depth: depth + 1)
            case "$defs":
                guard case .object(let definitions) = value else {
                    throw invalid(here, "$defs must be an object whose values are schemas")
                }
                for (name, subschema) in definitions.sorted(by: { JSONValue.utf8Precedes($0.key, $1.key) }) {
                    _ = try compile(subschema, at: here + "/" + escapePointerToken(name), depth: depth + 1)
                }
            case "$ref":
                guard case .string(let reference) = value else { throw invalid(here, "$ref must be a string") }
                node.refText = reference
            case "examples":
                guard case .array = value else { throw invalid(here, "examples must be an array") }
            default:
                if Self.annotationStrings.contains(keyword) {
                    guard case .string = value else { throw invalid(here, "\(keyword) must be a string") }
                } else if Self.annotationBooleans.contains(keyword) {
                    guard case .bool = value else { throw invalid(here, "\(keyword) must be a boolean") }
                } else if let note = Self.unsupported[keyword] {
                    throw invalid(here, "unsupported keyword '\(keyword)'\(note): this validator would not enforce it")
                }
                // Anything else ("default", "$vocabulary", vendor extensions, ...) is an annotation.
            }
        }
        nodes[index] = node
        return index
    }

    func compileType(_ value: JSONValue, at pointer: String) throws(InvalidSchemaError) -> (TypeSet, [String]) {
        let names: [JSONValue]
        switch value {
        case .string: names = [value]
        case .array(let array) where !array.isEmpty: names = array
        default: throw invalid(pointer, "type must be a type name or a non-empty array of type names")
        }
        var set: TypeSet = []
        var ordered: [String] = []
        for (offset, element) in names.enumerated() {
            let elementPointer = value.arrayValue == nil ? pointer : "\(pointer)/\(offset)"
            guard case .string(let name) = element, let type = TypeSet.byName[name] else {
                throw invalid(elementPointer, "unknown type \(element); expected one of null, boolean, object, array, number, string, integer")
            }
            guard !set.contains(type) else { throw invalid(elementPointer, "type '\(name)' is listed twice") }
            set.insert(type)
            ordered.append(name)
        }
        return (set, ordered)
    }

    func compileRequired(_ value: JSONValue, at pointer: String) throws(InvalidSchemaError) -> [String] {
        guard case .array(let elements) = value else { throw invalid(pointer, "required must be an array of property names") }
        var seen: Set<String> = []
        var names: [String] = []
        for (offset, element) in elements.enumerated() {
            guard case .string(let name) = element else {
                throw invalid("\(pointer)/\(offset)", "required must contain only strings")
            }
            guard seen.insert(name).inserted else {
                throw invalid("\(pointer)/\(offset)", "required lists '\(name)' twice")
            }
            names.append(name)
        }
        return names
    }

    func compileCount(_ value: JSONValue, at pointer: String) throws(InvalidSchemaError) -> Int {
        guard case .number(let number) = value, isIntegral(number), number >= 0 else {
            throw invalid(pointer, "must be a non-negative integer")
        }
        return Int(exactly: number) ?? Int.max
    }

    func compileNumber(_ value: JSONValue, at pointer: String) throws(InvalidSchemaError) -> Double {
        guard case .number(let number) = value, number.isFinite else { throw invalid(pointer, "must be a number") }
        return number
    }

    mutating func compileSchemaArray(_ value: JSONValue, at pointer: String, depth: Int) throws(InvalidSchemaError) -> [Int] {
        guard case .array(let elements) = value, !elements.isEmpty else {
            throw invalid(pointer, "must be a non-empty array of schemas")
        }
        var result: [Int] = []
        for (offset, element) in elements.enumerated() {
            result.append(try compile(element, at: "\(pointer)/\(offset)", depth: depth + 1))
        }
        return result
    }

    mutating func resolveReferences() throws(InvalidSchemaError) {
        for index in nodes.indices {
            guard let reference = nodes[index].refText else { continue }
            let here = nodes[index].pointer + "/$ref"
            guard reference.hasPrefix("#") else {
                throw invalid(here, "only local $ref is supported ('#' or '#/$defs/name'), not '\(reference)'")
            }
            let fragment = reference.dropFirst()
            guard fragment.isEmpty || fragment.hasPrefix("/") else {
                throw invalid(here, "only local $ref is supported ('#' or '#/$defs/name'); anchors such as '\(reference)' are not")
            }
            guard let pointer = percentDecode(fragment) else {
                throw invalid(here, "$ref '\(reference)' contains an invalid percent-encoding")
            }
            guard let target = locations[pointer] else {
                throw invalid(here, "$ref '\(reference)' does not point to a schema in this document")
            }
            nodes[index].ref = target
        }
    }

    /// A `$ref` cycle that never moves into a child of the instance (e.g. `{"$ref": "#"}`) would
    /// recurse forever on every input, so it is a broken schema rather than a runtime problem.
    func rejectReferenceCycles() throws(InvalidSchemaError) {
        enum Mark { case unvisited, active, done }
        var marks = [Mark](repeating: .unvisited, count: nodes.count)
        for start in nodes.indices where marks[start] == .unvisited {
            // Iterative depth-first search: (node, next child position).
            var stack: [(node: Int, children: [Int], next: Int)] = [(start, nodes[start].inPlaceSubschemas, 0)]
            marks[start] = .active
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].next == stack[top].children.count {
                    marks[stack[top].node] = .done
                    stack.removeLast()
                    continue
                }
                let child = stack[top].children[stack[top].next]
                stack[top].next += 1
                switch marks[child] {
                case .active:
                    let culprit = stack.map(\.node).first { nodes[$0].ref != nil } ?? stack[top].node
                    throw invalid(nodes[culprit].pointer + "/$ref", "circular $ref that never descends into the instance (infinite recursion)")
                case .unvisited:
                    marks[child] = .active
                    stack.append((child, nodes[child].inPlaceSubschemas, 0))
                case .done:
                    break
                }
            }
        }
    }
}

/// JSON Schema patterns are ECMA-262 regexes: match Unicode scalars (not grapheme clusters, Swift's
/// default) and keep \d, \w and \b ASCII-only, as ECMA does.
private func makeRegex(_ pattern: String) throws -> Regex<AnyRegexOutput> {
    try Regex(pattern)
        .matchingSemantics(.unicodeScalar)
        .asciiOnlyDigits()
        .asciiOnlyWordCharacters()
        .wordBoundaryKind(.simple)
}

private func escapePointerToken(_ token: String) -> String {
    guard token.utf8.contains(where: { $0 == 0x7E || $0 == 0x2F }) else { return token }
    var escaped = ""
    for character in token.unicodeScalars {
        switch character {
        case "~": escaped += "~0"
        case "/": escaped += "~1"
        default: escaped.unicodeScalars.append(character)
        }
    }
    return escaped
}

private func percentDecode(_ text: Substring) -> String? {
    guard text.utf8.contains(0x25) else { return String(text) }
    var bytes: [UInt8] = []
    var iterator = text.utf8.makeIterator()
    while let byte = iterator.next() {
        guard byte == 0x25 else {
            bytes.append(byte)
            continue
        }
        guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
        bytes.append(high << 4 | low)
    }
    return String(validating: bytes, as: UTF8.self)
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: byte - 0x30
    case 0x41...0x46: byte - 0x41 + 10
    case 0x61...0x66: byte - 0x61 + 10
    default: nil
    }
}

private func article(_ typeName: String) -> String {
    switch typeName {
    case "null": "null"
    case "integer", "object", "array": "an \(typeName)"
    default: "a \(typeName)"
    }
}

private func describeList(_ items: [String], conjunction: String) -> String {
    guard items.count > 1 else { return items.first ?? "" }
    return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
}

private func plural(_ count: Int, _ singular: String, _ pluralForm: String) -> String {
    "\(count) \(count == 1 ? singular : pluralForm)"
}

private func formatNumber(_ number: Double) -> String {
    JSONValue.number(number).serialized()
}

// MARK: - Validation

private struct ViolationSink {
    let limit: Int
    var violations: [SchemaViolation] = []
    /// Where a `type` keyword failed; used to rank anyOf/oneOf branches (a branch whose type did
    /// not even match is a worse "closest match" than one that failed on a detail).
    var typeMismatchPaths: [String] = []

    init(limit: Int) {
        self.limit = limit
    }

    var isFull: Bool { violations.count >= limit }

    mutating func add(_ path: String, _ message: String, typeMismatch: Bool = false) {
        guard !isFull else { return }
        violations.append(SchemaViolation(path: path, message: message))
        if typeMismatch { typeMismatchPaths.append(path) }
    }
}

private enum PathComponent {
    case key(String)
    case index(Int)
}

/// State for one `validate` call; never shared between threads, which is what makes holding
/// non-`Sendable` `Regex` values here fine.
private struct SchemaValidator {
    let nodes: [CompiledNode]
    let patterns: [String]
    var regexes: [Regex<AnyRegexOutput>?]
    var path: [PathComponent] = []

    init(nodes: [CompiledNode], patterns: [String]) {
        self.nodes = nodes
        self.patterns = patterns
        self.regexes = Array(repeating: nil, count: patterns.count)
    }

    var currentPath: String {
        var result = ""
        for component in path {
            result += "/"
            switch component {
            case .key(let key): result += escapePointerToken(key)
            case .index(let index): result += String(index)
            }
        }
        return result
    }

    mutating func check(_ index: Int, _ value: JSONValue, depth: Int, _ sink: inout ViolationSink) {
        if sink.isFull { return }
        let node = nodes[index]
        if node.rule.rejectsEverything {
            sink.add(currentPath, "is not allowed")
            return
        }
        if depth > JSONSchema.maxValidationDepth {
            sink.add(currentPath, "is nested too deeply to validate")
            return
        }
        if let types = node.rule.types, !types.accepts(value) {
            // Every other keyword's complaint would be noise once the type is wrong.
            sink.add(currentPath, "must be " + describeList(node.rule.typeNames.map(article), conjunction: "or"), typeMismatch: true)
            return
        }
        if let constValue = node.rule.constValue, constValue != value {
            sink.add(currentPath, "must be equal to \(constValue.serialized())")
        }
        if let enumValues = node.rule.enumValues, !enumValues.contains(value) {
            sink.add(currentPath, describeEnum(enumValues))
        }

        switch value {
        case .number(let number): checkNumber(node, number, &sink)
        case .string(let string): checkString(node, string, &sink)
        case .array(let elements): checkArray(node, elements, depth: depth, &sink)
        case .object(let members): checkObject(node, members, depth: depth, &sink)
        case .null, .bool: break
        }

        if let ref = node.rule.ref { check(ref, value, depth: depth + 1, &sink) }
        for subschema in node.rule.allOf { check(subschema, value, depth: depth + 1, &sink) }
        if !node.rule.anyOf.isEmpty { checkAnyOf(node.rule.anyOf, value, depth: depth, &sink) }
        if !node.rule.oneOf.isEmpty { checkOneOf(node.rule.oneOf, value, depth: depth, &sink) }
        if let not = node.rule.not, matches(not, value, depth: depth) {
            sink.add(currentPath, "must not match the disallowed shape")
        }
        if let condition = node.rule.ifSchema {
            if matches(condition, value, depth: depth) {
                if let then = node.rule.thenSchema { check(then, value, depth: depth + 1, &sink) }
            } else if let otherwise = node.rule.elseSchema {
                check(otherwise, value, depth: depth + 1, &sink)
            }
        }
    }

    func describeEnum(_ values: [JSONValue]) -> String {
        if values.isEmpty { return "no value is allowed here" }
        let shown = values.prefix(10).map { $0.serialized() }.joined(separator: ", ")
        return "must be one of " + shown + (values.count > 10 ? ", ... (\(values.count) values in total)" : "")
    }

    @inline(never)
    mutating func matches(_ index: Int, _ value: JSONValue, depth: Int) -> Bool {
        var probe = ViolationSink(limit: 1)
        check(index, value, depth: depth + 1, &probe)
        return probe.violations.isEmpty
    }

    @inline(never)
    func checkNumber(_ node: CompiledNode, _ number: Double, _ sink: inout ViolationSink) {
        if let minimum = node.rule.minimum, number < minimum {
            sink.add(currentPath, "must be at least \(formatNumber(minimum))")
        }
        if let maximum = node.rule.maximum, number > maximum {
            sink.add(currentPath, "must be at most \(formatNumber(maximum))")
        }
        if let bound = node.rule.exclusiveMinimum, number <= bound {
            sink.add(currentPath, "must be greater than \(formatNumber(bound))")
        }
        if let bound = node.rule.exclusiveMaximum, number >= bound {
            sink.add(currentPath, "must be less than \(formatNumber(bound))")
        }
        if let divisor = node.rule.multipleOf, !isMultiple(number, of: divisor) {
            sink.add(currentPath, "must be a multiple of \(formatNumber(divisor))")
        }
    }

    /// Decimal divisors such as 0.1 are not exact in binary, so 0.3 / 0.1 is 2.9999999999999996:
    /// accept quotients within a few ulps of an integer; `fmod` settles exact cases first.
    func isMultiple(_ number: Double, of divisor: Double) -> Bool {
        if number.truncatingRemainder(dividingBy: divisor) == 0 { return true }
        let quotient = number / divisor
        guard quotient.isFinite else { return false }
        return (quotient - quotient.rounded()).magnitude <= max(1, quotient.magnitude) * 1e-14
    }

    @inline(never)
    mutating func checkString(_ node: CompiledNode, _ string: String, _ sink: inout ViolationSink) {
        if node.rule.minLength != nil || node.rule.maxLength != nil {
            // JSON Schema counts code points, not grapheme clusters or UTF-16 units.
            let length = string.unicodeScalars.count
            if let minimum = node.rule.minLength, length < minimum {
                sink.add(currentPath, "must be at least \(plural(minimum, "character", "characters")) long")
            }
            if let maximum = node.rule.maxLength, length > maximum {
                sink.add(currentPath, "must be at most \(plural(maximum, "character", "characters")) long")
            }
        }
        if let patternIndex = node.rule.pattern {
            if regexes[patternIndex] == nil { regexes[patternIndex] = try? makeRegex(patterns[patternIndex]) }
            // Checked at init, so the regex exists; JSON Schema patterns are unanchored searches.
            if let regex = regexes[patternIndex], !string.contains(regex) {
                sink.add(currentPath, "must match the pattern '\(patterns[patternIndex])'")
            }
        }
    }

    @inline(never)
    mutating func checkArray(_ node: CompiledNode, _ elements: [JSONValue], depth: Int, _ sink: inout ViolationSink) {
        if let minimum = node.rule.minItems, elements.count < minimum {
            sink.add(currentPath, "must contain at least \(plural(minimum, "item", "items"))")
        }
        if let maximum = node.rule.maxItems, elements.count > maximum {
            sink.add(currentPath, "must contain at most \(plural(maximum, "item", "items"))")
        }
        if node.rule.uniqueItems && elements.count > 1 {
            var firstIndex: [JSONValue: Int] = [:]
            for (index, element) in elements.enumerated() {
                if let earlier = firstIndex.updateValue(index, forKey: element) {
                    sink.add(currentPath, "must not contain duplicate items (items \(earlier) and \(index) are equal)")
                    break
                }
            }
        }
        for (index, subschema) in node.rule.prefixItems.enumerated() where index < elements.count {
            path.append(.index(index))
            check(subschema, elements[index], depth: depth + 1, &sink)
            path.removeLast()
        }
        guard let items = node.rule.items, elements.count > node.rule.prefixItems.count else { return }
        if nodes[items].rule.rejectsEverything {
            // One clear message instead of "is not allowed" for every extra element of a tuple.
            sink.add(currentPath, "must contain at most \(plural(node.rule.prefixItems.count, "item", "items"))")
            return
        }
        for index in node.rule.prefixItems.count..<elements.count {
            if sink.isFull { return }
            path.append(.index(index))
            check(items, elements[index], depth: depth + 1, &sink)
            path.removeLast()
        }
    }

    @inline(never)
    mutating func checkObject(_ node: CompiledNode, _ members: [String: JSONValue], depth: Int, _ sink: inout ViolationSink) {
        if let minimum = node.rule.minProperties, members.count < minimum {
            sink.add(currentPath, "must have at least \(plural(minimum, "property", "properties"))")
        }
        if let maximum = node.rule.maxProperties, members.count > maximum {
            sink.add(currentPath, "must have at most \(plural(maximum, "property", "properties"))")
        }
        for name in node.rule.required where members[name] == nil {
            sink.add(currentPath, "required property '\(name)' is missing")
        }
        for (name, subschema) in node.rule.properties {
            guard let member = members[name] else { continue }
            path.append(.key(name))
            check(subschema, member, depth: depth + 1, &sink)
            path.removeLast()
        }
        guard let additional = node.rule.additionalProperties else { return }
        let extraNames = members.keys
            .filter { node.rule.propertyIndex[$0] == nil }
            .sorted(by: JSONValue.utf8Precedes)
        let rejectsAll = nodes[additional].rule.rejectsEverything
        for name in extraNames {
            if sink.isFull { return }
            path.append(.key(name))
            if rejectsAll {
                sink.add(currentPath, "property '\(name)' is not allowed" + describeAllowed(node))
            } else if let member = members[name] {
                check(additional, member, depth: depth + 1, &sink)
            }
            path.removeLast()
        }
    }

    func describeAllowed(_ node: CompiledNode) -> String {
        if node.rule.properties.isEmpty { return " (no properties are allowed)" }
        if node.rule.properties.count > 12 { return "" }
        return " (allowed: " + node.rule.properties.map { "'\($0.name)'" }.joined(separator: ", ") + ")"
    }

    /// Runs each branch with its own sink; returns the number of matching branches and the
    /// violations of the most promising failed one.
    @inline(never)
    mutating func evaluateBranches(_ branches: [Int], _ value: JSONValue, depth: Int, stopAtFirstMatch: Bool)
        -> (matches: Int, closest: SchemaViolation?)
    {
        var matchCount = 0
        let start = currentPath
        var best: (rank: (Int, Int, Int), violation: SchemaViolation)?
        for branch in branches {
            var branchSink = ViolationSink(limit: JSONSchema.maxViolations)
            check(branch, value, depth: depth + 1, &branchSink)
            guard let first = branchSink.violations.first else {
                matchCount += 1
                // anyOf needs one match, oneOf fails as soon as there are two.
                if stopAtFirstMatch || matchCount > 1 { break }
                continue
            }
            // Lower is better: right type at the branch's own location first, then fewest problems,
            // then the branch that got furthest into the value; earlier branches win ties.
            let wrongType = branchSink.typeMismatchPaths.contains(start) ? 1 : 0
            let reach = branchSink.violations.map { $0.path.utf8.count(where: { $0 == UInt8(ascii: "/") }) }.max() ?? 0
            let rank = (wrongType, branchSink.violations.count, -reach)
            if best == nil || rank < best!.rank {
                best = (rank, first)
            }
        }
        return (matchCount, best?.violation)
    }

    func describeClosest(_ violation: SchemaViolation?) -> String {
        guard let violation else { return "" }
        if violation.path == currentPath { return " (closest: \(violation.message))" }
        return " (closest: \(violation.description))"
    }

    /// When the closest branch failed deeper inside the value, its violation names the field the
    /// user has to fix, so it is reported as is; otherwise the shapes as a whole did not fit.
    func addNoMatch(_ summary: String, closest: SchemaViolation?, _ sink: inout ViolationSink) {
        if let closest, closest.path != currentPath {
            sink.add(closest.path, closest.message)
        } else {
            sink.add(currentPath, summary + describeClosest(closest))
        }
    }

    @inline(never)
    mutating func checkAnyOf(_ branches: [Int], _ value: JSONValue, depth: Int, _ sink: inout ViolationSink) {
        let result = evaluateBranches(branches, value, depth: depth, stopAtFirstMatch: true)
        if result.matches == 0 {
            addNoMatch("must match at least one of the allowed shapes", closest: result.closest, &sink)
        }
    }

    @inline(never)
    mutating func checkOneOf(_ branches: [Int], _ value: JSONValue, depth: Int, _ sink: inout ViolationSink) {
        let result = evaluateBranches(branches, value, depth: depth, stopAtFirstMatch: false)
        if result.matches == 0 {
            addNoMatch("must match exactly one of the allowed shapes", closest: result.closest, &sink)
        } else if result.matches > 1 {
            sink.add(currentPath, "must match exactly one of the allowed shapes, but matches more than one")
        }
    }
}
