import PluginKit

/// Turns the lines `uvw.progress` writes to the message channel (`{"progress": f, "note": s}`)
/// into task progress events, at most one per 100 ms (a script reporting in a tight loop must not
/// flood the event bus); the last report held back is sent when the run ends.
struct ProgressRelay {
    let context: TaskContext
    private var lastSent: ContinuousClock.Instant?
    private var pending: (Double, String?)?
    static let interval: Duration = .milliseconds(100)

    init(context: TaskContext) { self.context = context }

    mutating func receive(_ line: [UInt8]) {
        guard let message = try? JSONValue.parse(line), let fraction = message["progress"]?.doubleValue,
              fraction.isFinite else { return }
        let note = message["note"]?.stringValue.map { String($0.prefix(500)) }
        pending = (min(1, max(0, fraction)), note)
        if lastSent.map({ $0.duration(to: .now) >= Self.interval }) ?? true { flush() }
    }

    mutating func flush() {
        guard let (fraction, note) = pending else { return }
        pending = nil
        lastSent = .now
        context.progress(fraction, noteJSON: note.map { JSONValue.object(["note": .string($0)]).serialized() })
    }
}
