import JSON
import Yams

/// Reads a YAML configuration document into JSON values, resolving plain scalars by the same rules
/// as Yams' default resolver (YAML 1.1's booleans `yes`/`no`/`on`/`off`, `~` and `null`, integers
/// in decimal, `0x`, `0o`/`0` octal, `0b` and `1:30` forms, floats, `<<` merge keys).
///
/// Why not `Yams.load`: its resolver matches every plain scalar against NSRegularExpressions, and
/// compiling them starts ICU, which left about 4 MB of ICU and Foundation pages resident in an idle
/// worker for the one file it reads at start. Here libyaml composes the nodes (with Yams' basic
/// resolver, which has no patterns) and the scalars are classified by hand. A timestamp stays the
/// text it was written as (Yams made a `Date` of it, which JSON cannot hold).
package enum YAMLConfigReader {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package static func read(_ text: String) throws -> JSONValue {
        guard let root = try Yams.compose(yaml: text, .basic) else { return .null }
        return try value(of: root)
    }

    static func value(of node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar): return try value(of: scalar)
        case .sequence(let sequence): return .array(try sequence.map(value(of:)))
        case .mapping(let mapping): return .object(try members(of: mapping))
        case .alias: throw Failure(description: "an alias that names no anchor")
        }
    }

    /// The mapping's own keys win over merged ones; of several mappings merged with `<<: [a, b]`,
    /// the first that has a key gives it (YAML's merge key type).
    private static func members(of mapping: Node.Mapping) throws -> [String: JSONValue] {
        var own: [String: JSONValue] = [:]
        var merged: [String: JSONValue] = [:]
        for (key, item) in mapping {
            guard case .scalar(let keyScalar) = key else {
                throw Failure(description: "a mapping key must be a scalar, not a \(key.isMapping ? "mapping" : "sequence")")
            }
            // A key's tag is resolved (to str) when Yams hashes the keys, so a plain `<<` is told
            // from a quoted one by its style.
            if (keyScalar.style == .plain && keyScalar.string == "<<") || keyScalar.tag.description == Tag.Name.merge.rawValue {
                let sources: [Node]
                switch item {
                case .mapping: sources = [item]
                case .sequence(let list): sources = Array(list)
                default: throw Failure(description: "a merge key (<<) takes a mapping or a list of mappings")
                }
                for source in sources {
                    guard case .mapping(let sourceMapping) = source else {
                        throw Failure(description: "a merge key (<<) takes a mapping or a list of mappings")
                    }
                    for (name, member) in try members(of: sourceMapping) where merged[name] == nil {
                        merged[name] = member
                    }
                }
                continue
            }
            own[keyScalar.string] = try value(of: item)
        }
        return merged.merging(own) { _, mine in mine }
    }

    private static func value(of scalar: Node.Scalar) throws -> JSONValue {
        let text = scalar.string
        switch scalar.tag.description {
        case Tag.Name.implicit.rawValue: return resolvePlain(text)
        case Tag.Name.null.rawValue: return .null
        case Tag.Name.bool.rawValue:
            guard let bool = YAMLScalar.bool(text) else { throw Failure(description: "!!bool \(text) is not a boolean") }
            return .bool(bool)
        case Tag.Name.int.rawValue:
            guard let number = YAMLScalar.integer(text) else { throw Failure(description: "!!int \(text) is not an integer") }
            return .number(number)
        case Tag.Name.float.rawValue:
            guard let number = YAMLScalar.integer(text) ?? YAMLScalar.float(text) else {
                throw Failure(description: "!!float \(text) is not a number")
            }
            return .number(number)
        default: return .string(text)  // !!str, quoted and block scalars, !!timestamp, !!binary, local tags
        }
    }

    /// A plain scalar without a tag, in the order of Yams' default rules.
    private static func resolvePlain(_ text: String) -> JSONValue {
        if let bool = YAMLScalar.bool(text) { return .bool(bool) }
        if let number = YAMLScalar.integer(text) ?? YAMLScalar.float(text) { return .number(number) }
        if YAMLScalar.isNull(text) { return .null }
        return .string(text)
    }
}

private extension Node {
    var isMapping: Bool {
        if case .mapping = self { return true }
        return false
    }
}
