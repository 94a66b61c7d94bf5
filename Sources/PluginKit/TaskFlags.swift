/// Behaviour flags of a task type: the `UVW_TASK_*` bits of the C header.
public struct TaskFlags: OptionSet, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let cancellable = TaskFlags(rawValue: 1 << 0)
    public static let reportsProgress = TaskFlags(rawValue: 1 << 1)
    public static let mayGoAsync = TaskFlags(rawValue: 1 << 2)
    public static let blocking = TaskFlags(rawValue: 1 << 3)
}

