import Foundation
import JSON

/// A tree of tasks (BullMQ's flow): each parent runs once all its children have ended, and reads
/// their results (`job.children_values`). As `POST /flows` reads it.
package struct FlowTree: Sendable {
    package var taskType: String
    package var parameters: JSONValue
    package var options: JobOptions
    /// What this node's failure does to its parent (nil: the parent waits, as in BullMQ).
    package var onFailure: ChildFailure?
    package var children: [FlowTree]

    /// Nodes in a tree at most; deeper than `maxDepth` is refused too.
    package static let maxNodes = 10_000
    package static let maxDepth = 32

    package struct Invalid: Error, Sendable {
        package let field: String
        package let message: String
    }

    /// Reads a node and its children, naming the field of the first bad value by its path
    /// (`children[1].options.attempts`).
    package init(json: JSONValue) throws(Invalid) {
        var count = 0
        try self.init(json: json, path: "", depth: 1, count: &count)
    }

    private init(json: JSONValue, path: String, depth: Int, count: inout Int) throws(Invalid) {
        func field(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
        count += 1
        guard count <= Self.maxNodes else { throw Invalid(field: path.isEmpty ? "children" : path, message: "makes the flow larger than \(Self.maxNodes) tasks") }
        guard depth <= Self.maxDepth else { throw Invalid(field: path, message: "is deeper than \(Self.maxDepth) levels") }
        guard case .object(let fields) = json else { throw Invalid(field: path.isEmpty ? "body" : path, message: "must be an object") }
        let known: Set<String> = ["task_type", "parameters", "options", "children"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw Invalid(field: field(unknown), message: "is not a field of a flow node (children, options, parameters, task_type)")
        }
        guard let taskType = fields["task_type"]?.stringValue, !taskType.isEmpty else {
            throw Invalid(field: field("task_type"), message: "is required (a non-empty string)")
        }
        self.taskType = taskType
        parameters = fields["parameters"] ?? .object([:])
        guard case .object = parameters else { throw Invalid(field: field("parameters"), message: "must be an object") }
        var optionFields = fields["options"]?.objectValue ?? [:]
        if let given = fields["options"], !given.isNull, given.objectValue == nil {
            throw Invalid(field: field("options"), message: "must be an object")
        }
        // The failure options of a child, as BullMQ names them (snake case here).
        var failure: ChildFailure?
        for option in ChildFailure.allCases {
            guard let value = optionFields.removeValue(forKey: option.optionName) else { continue }
            guard let on = value.boolValue else { throw Invalid(field: field("options.\(option.optionName)"), message: "must be true or false") }
            guard on else { continue }
            if let failure { throw Invalid(field: field("options.\(option.optionName)"), message: "cannot be combined with \(failure.optionName)") }
            failure = option
        }
        if failure != nil, path.isEmpty {
            throw Invalid(field: "options.\(failure!.optionName)", message: "applies to a child, not to the flow's root")
        }
        onFailure = failure
        do {
            options = try JobOptions(json: .object(optionFields))
        } catch {
            throw Invalid(field: field(error.field), message: error.message)
        }
        if options.idempotencyKey != nil {
            throw Invalid(field: field("options.idempotency_key"), message: "does not apply to a flow's tasks")
        }
        var children: [FlowTree] = []
        if let list = fields["children"], !list.isNull {
            guard let items = list.arrayValue else { throw Invalid(field: field("children"), message: "must be an array") }
            for (index, item) in items.enumerated() {
                children.append(try FlowTree(json: item, path: field("children[\(index)]"), depth: depth + 1, count: &count))
            }
        }
        self.children = children
    }

    /// Every node with its path (for error messages), parents before their children.
    package func nodes(path: String = "") -> [(path: String, node: FlowTree)] {
        var all = [(path, self)]
        for (index, child) in children.enumerated() {
            all += child.nodes(path: path.isEmpty ? "children[\(index)]" : "\(path).children[\(index)]")
        }
        return all
    }
}

/// What a flow child's failure (for good) does to its parent, as BullMQ's child options say.
package enum ChildFailure: String, Sendable, CaseIterable {
    /// `failParentOnFailure` (BullMQ's `fpof`): the parent fails without running, with the reason
    /// "child <key> failed".
    case failParent = "fpof"
    /// `continueParentOnFailure` (`cpof`): the parent runs at once; the failure is in its failed children.
    case continueParent = "cpof"
    /// `ignoreDependencyOnFailure` (`idof`): the child counts as ended; its failure is in the parent's failed children.
    case ignore = "idof"
    /// `removeDependencyOnFailure` (`rdof`): the child counts as ended and is forgotten.
    case remove = "rdof"

    /// The option's name in a `POST /flows` node.
    package var optionName: String {
        switch self {
        case .failParent: "fail_parent_on_failure"
        case .continueParent: "continue_parent_on_failure"
        case .ignore: "ignore_dependency_on_failure"
        case .remove: "remove_dependency_on_failure"
        }
    }

    /// BullMQ's job option.
    package var bullOption: String {
        switch self {
        case .failParent: "failParentOnFailure"
        case .continueParent: "continueParentOnFailure"
        case .ignore: "ignoreDependencyOnFailure"
        case .remove: "removeDependencyOnFailure"
        }
    }
}

/// One node of a flow as the queue adds it: the job, its parent and its child option; the nodes
/// come parents first.
package struct FlowJob: Sendable {
    package var job: NewJob
    package var parentId: String?
    package var onFailure: ChildFailure?
    /// Children it waits for (0: runnable as any job).
    package var childCount: Int

    package init(job: NewJob, parentId: String?, onFailure: ChildFailure?, childCount: Int) {
        self.job = job
        self.parentId = parentId
        self.onFailure = onFailure
        self.childCount = childCount
    }
}
