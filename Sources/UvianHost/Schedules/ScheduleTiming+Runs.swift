import Foundation
import Cron

/// A schedule's run times, in epoch milliseconds, as BullMQ's job schedulers compute them, so a
/// schedule made by a BullMQ producer and one made here advance alike.
extension ScheduleTiming {
    /// The first run of a new schedule (or of one whose timing changed), or nil when none is left
    /// (the end date has passed).
    package func firstRun(now: Int64) -> Int64? {
        switch trigger {
        case .every(let every, let offset):
            let run: Int64
            if let startDate {
                run = max(startDate, now)
            } else if let offset, offset > 0 {
                let slot = now / every * every + offset
                run = slot <= now ? slot + every : slot
            } else {
                run = now
            }
            return allows(run) ? run : nil
        case .cron:
            return cronClock.flatMap { cronRun(after: max(now, startDate ?? now), $0) }
        }
    }

    /// The run after the one due at `previous`, as the run at `previous` starts at `now`: missed
    /// runs are skipped (the next is the first still ahead), not made up one by one.
    package func nextRun(after previous: Int64, now: Int64) -> Int64? {
        switch trigger {
        case .every(let every, _):
            var run = previous + every
            if run < now {
                let slot = now / every * every + offset(every: every, previous: previous)
                run = slot <= now ? slot + every : slot
            }
            return allows(run) ? run : nil
        case .cron:
            return cronClock.flatMap { cronRun(after: max(now, previous), $0) }
        }
    }

    /// The offset of an `every` schedule's slots: given, or fixed by its runs so far.
    private func offset(every: Int64, previous: Int64) -> Int64 {
        if case .every(_, let given?) = trigger, given > 0 { return given }
        return previous % every
    }

    /// Runs that fell due after `scheduled` and up to `now` (a run started late stands in for
    /// them), at most `cap`.
    package func missedRuns(after scheduled: Int64, now: Int64, cap: Int = 10_000) -> Int {
        guard now > scheduled else { return 0 }
        switch trigger {
        case .every(let every, _):
            return Int(min((now - scheduled) / every, Int64(cap)))
        case .cron:
            guard let clock = cronClock else { return 0 }
            var count = 0
            var cursor = scheduled
            while count < cap, let run = cronRun(after: cursor, clock, ignoringEnd: true), run <= now {
                count += 1
                cursor = run
            }
            return count
        }
    }

    /// Up to `count` runs after `millis` (the upcoming runs a schedule shows), within the end date.
    package func runs(after millis: Int64, count: Int) -> [Int64] {
        var runs: [Int64] = []
        var cursor = millis
        let clock = cronClock
        while runs.count < count {
            let run: Int64?
            switch trigger {
            case .every(let every, _): run = cursor + every
            case .cron: run = clock.flatMap { cronRun(after: cursor, $0) }
            }
            guard let run, allows(run) else { break }
            runs.append(run)
            cursor = run
        }
        return runs
    }

    /// Whether a run at `millis` is within the end date.
    package func allows(_ millis: Int64) -> Bool {
        endDate.map { millis <= $0 } ?? true
    }

    /// Whether a schedule that has made `created` runs may make another.
    package func allowsAnother(afterCreating created: Int) -> Bool {
        limit.map { created < $0 } ?? true
    }

    /// A cron trigger's expression and zone, parsed once for all the runs a caller steps through.
    private var cronClock: (expression: CronExpression, zone: TimeZone)? {
        guard case .cron(let text, let zoneName) = trigger, let expression = try? CronExpression(text) else { return nil }
        return (expression, zoneName.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!)
    }

    private func cronRun(after millis: Int64, _ clock: (expression: CronExpression, zone: TimeZone), ignoringEnd: Bool = false) -> Int64? {
        guard let date = clock.expression.next(after: Self.date(millis), in: clock.zone) else { return nil }
        let run = Int64((date.timeIntervalSince1970 * 1000).rounded())
        return ignoringEnd || allows(run) ? run : nil
    }
}
