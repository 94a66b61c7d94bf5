/// Where a task is in its life: `pending → processing → completed | failed`, or `cancelled`.
/// A task waiting for a retry is `pending` again, with `attempts > 0` and its last error.
public enum TaskStatus: String, Sendable, CaseIterable, Codable {
    case pending, processing, completed, failed, cancelled

    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}
