/// `${VAR}` and `${VAR:-default}` expansion, as shells and docker-compose do it. An unset variable
/// without a default becomes the empty string.
enum EnvironmentSubstitution {
    static func apply(to text: String, environment: [String: String]) -> String {
        guard text.contains("${") else { return text }
        var output = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                output += rest[start.lowerBound...]
                return output
            }
            let expression = rest[start.upperBound..<end]
            if let dash = expression.range(of: ":-") {
                let name = String(expression[..<dash.lowerBound])
                let value = environment[name] ?? ""
                output += value.isEmpty ? String(expression[dash.upperBound...]) : value
            } else {
                output += environment[String(expression)] ?? ""
            }
            rest = rest[rest.index(after: end)...]
        }
        output += rest
        return output
    }
}
