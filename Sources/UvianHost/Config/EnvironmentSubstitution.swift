/// `${VAR}` and `${VAR:-default}` in a plugins.yaml string, replaced from the environment. A
/// default may itself hold references (`${SCRIPTS_DIR:-${UVW_CONFIG_DIR}/scripts}`).
package enum EnvironmentSubstitution {
    package static func apply(to text: String, environment: [String: String]) -> String {
        guard text.contains("${") else { return text }
        var output = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let end = closingBrace(in: rest[start.upperBound...]) else {
                output += rest[start.lowerBound...]
                return output
            }
            let expression = rest[start.upperBound..<end]
            if let dash = expression.range(of: ":-") {
                let name = String(expression[..<dash.lowerBound])
                let value = environment[name] ?? ""
                output += value.isEmpty ? apply(to: String(expression[dash.upperBound...]), environment: environment) : value
            } else {
                output += environment[String(expression)] ?? ""
            }
            rest = rest[rest.index(after: end)...]
        }
        output += rest
        return output
    }

    /// The `}` that closes a `${`, skipping the pairs of references nested in a default.
    private static func closingBrace(in text: Substring) -> Substring.Index? {
        var depth = 0
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "$", text[text.index(after: index)...].first == "{" {
                depth += 1
                index = text.index(index, offsetBy: 2)
                continue
            }
            if character == "}" {
                if depth == 0 { return index }
                depth -= 1
            }
            index = text.index(after: index)
        }
        return nil
    }
}
