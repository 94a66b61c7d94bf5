/// A job's parameters against its task type's schema, once per plugin generation: the job carries
/// the generation that checked it (`LeasedJob.checkedBy`, through the queue), so a job checked at
/// submit, or when taken in, is not parsed and checked again unless a hot swap came between.
enum ParameterCheck {
    /// Why a job's parameters are refused: the error it fails with, without running.
    struct Refusal: Error {
        let reason: String
    }

    /// Which plugin generation checks a job of this route (its name, generation and file).
    static func checker(of route: PluginRegistry.Route) -> String {
        "\(route.plugin.name)#\(route.plugin.generation)#\(route.plugin.sha256)"
    }

    /// The job as `route` accepts it: unchanged when this generation checked it already, else its
    /// parameters parsed (unless they already are) and checked, and the check noted on it.
    static func check(_ job: LeasedJob, on route: PluginRegistry.Route) -> Result<LeasedJob, Refusal> {
        let checker = checker(of: route)
        guard job.checkedBy != checker else { return .success(job) }
        let parameters: JSONValue
        do {
            parameters = try job.parameters ?? JSONValue.parse(job.parametersJSON)
        } catch {
            return .failure(Refusal(reason: "parameters are not valid JSON: \(error)"))
        }
        if let violations = route.taskType.schema?.validate(parameters), !violations.isEmpty {
            return .failure(Refusal(reason: "invalid parameters: " + violations.map(\.description).joined(separator: "; ")))
        }
        var checked = job
        checked.parameters = parameters
        checked.checkedBy = checker
        return .success(checked)
    }
}
