/// Where a task is in its life: `pending → processing → completed | failed`, or `cancelled`.
/// A task waiting for a retry is `pending` again, with `attempts > 0` and its last error.
package enum TaskStatus: String, Sendable, CaseIterable, Codable {
    case pending, processing, completed, failed, cancelled

    package var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}
