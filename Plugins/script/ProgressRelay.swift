import PluginKit

/// Turns the lines `uvw.progress` writes to the message channel (`{"progress": f, "note": s}`)
/// into task progress events, at most one per 100 ms (a script reporting in a tight loop must not
/// flood the event bus); the last report held back is sent when the run ends.
struct ProgressRelay {
    let context: TaskContext
    private var lastSentMs: Int64?
    private var pending: (Double, String?)?
    static let intervalMs: Int64 = 100

    init(context: TaskContext) { self.context = context }

    mutating func receive(_ line: [UInt8], nowMs: Int64) {
        guard let message = try? JSONValue.parse(line), let fraction = message["progress"]?.doubleValue,
              fraction.isFinite else { return }
        let note = message["note"]?.stringValue.map { String($0.prefix(500)) }
        pending = (min(1, max(0, fraction)), note)
        if lastSentMs.map({ nowMs - $0 >= Self.intervalMs }) ?? true { flush(nowMs: nowMs) }
    }

    mutating func flush(nowMs: Int64) {
        guard let (fraction, note) = pending else { return }
        pending = nil
        lastSentMs = nowMs
        context.progress(fraction, noteJSON: note.map { JSONValue.object(["note": .string($0)]).serialized() })
    }
}
