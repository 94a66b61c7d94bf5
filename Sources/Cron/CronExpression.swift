public import Foundation

/// A cron expression — five fields (minute hour day-of-month month day-of-week) or six (seconds
/// first, as BullMQ's cron-parser reads them) — and its next runs in a time zone.
///
/// Syntax: `*`, numbers, ranges `a-b`, steps `*/n`, `a-b/n`, `a/n`, lists, month names `JAN`…`DEC`,
/// weekday names `SUN`…`SAT` (0 and 7 are Sunday), `L` in day-of-month (the last day), `nL` in
/// day-of-week (the month's last weekday n) and `n#k` (its k-th weekday n). When day-of-month and
/// day-of-week are both restricted (neither starts with `*`) a day matching either runs, as in
/// Debian's cron.
///
/// Daylight saving time, as Debian's cron does it: a job at fixed times (a five-field expression
/// whose minute and hour do not start with `*`) is scheduled on the wall clock — a time skipped by
/// a shift forward runs once at the shift, a time repeated by a shift back runs once (its first
/// occurrence); any other job follows real time, so it runs in both copies of a repeated hour and
/// not in a skipped one.
public struct CronExpression: Sendable, Equatable {
    let seconds: Set<Int>
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let lastDayOfMonth: Bool
    let months: Set<Int>
    let weekdays: Set<Int>
    /// Weekdays that match on their last occurrence in the month (`5L`).
    let lastWeekdays: Set<Int>
    /// (weekday, k): the k-th such weekday of the month (`1#2`).
    let nthWeekdays: Set<[Int]>
    /// Day-of-month and day-of-week must both match (either field starts with `*`).
    let dayAnd: Bool
    /// Fixed-time semantics across DST shifts (see above).
    let wallClock: Bool

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public init(_ text: String) throws(Invalid) {
        var parts = text.uppercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 || parts.count == 6 else {
            throw Invalid(description: "a cron expression has 5 or 6 fields (found \(parts.count))")
        }
        let fiveFields = parts.count == 5
        if fiveFields { parts.insert("0", at: 0) }
        seconds = try CronField.second.parse(parts[0]).values
        minutes = try CronField.minute.parse(parts[1]).values
        hours = try CronField.hour.parse(parts[2]).values
        let dayField = try CronField.day.parse(parts[3])
        days = dayField.values
        lastDayOfMonth = dayField.last
        months = try CronField.month.parse(parts[4]).values
        let weekdayField = try CronField.weekday.parse(parts[5])
        weekdays = Set(weekdayField.values.map { $0 % 7 })
        lastWeekdays = Set(weekdayField.lastWeekdays.map { $0 % 7 })
        nthWeekdays = Set(weekdayField.nthWeekdays.map { [$0.weekday % 7, $0.nth] })
        dayAnd = parts[3].hasPrefix("*") || parts[5].hasPrefix("*")
        wallClock = fiveFields && !parts[1].hasPrefix("*") && !parts[2].hasPrefix("*")
        if dayAnd, !lastDayOfMonth, let first = days.min(), first > 29,
           first > months.map({ CivilTime.daysIn(year: 2000, month: $0) }).max() ?? 31 {
            throw Invalid(description: "day-of-month \(first) never occurs in the months given")
        }
    }

    /// The first run strictly after `date` (whole seconds), or nil when there is none within
    /// fifty years.
    public func next(after date: Date, in zone: TimeZone) -> Date? {
        let after = Int(date.timeIntervalSince1970.rounded(.down))
        return wallClock ? nextOnWallClock(after: after, zone: zone) : nextInRealTime(after: after, zone: zone)
    }

    /// The next `count` runs after `date`.
    public func nextRuns(after date: Date, in zone: TimeZone, count: Int) -> [Date] {
        var runs: [Date] = []
        var cursor = date
        while runs.count < count, let run = next(after: cursor, in: zone) {
            runs.append(run)
            cursor = run
        }
        return runs
    }

    // MARK: - Matching

    private func matchesDay(_ t: CivilTime) -> Bool {
        let dom = days.contains(t.day) || (lastDayOfMonth && t.day == CivilTime.daysIn(year: t.year, month: t.month))
        let weekday = t.weekday
        let isLast = t.day + 7 > CivilTime.daysIn(year: t.year, month: t.month)
        let dow = weekdays.contains(weekday) || (isLast && lastWeekdays.contains(weekday))
            || nthWeekdays.contains([weekday, (t.day - 1) / 7 + 1])
        return dayAnd ? dom && dow : dom || dow
    }

    /// The first wall-clock time at or after `start` that matches every field, within fifty years.
    private func firstMatch(from start: CivilTime) -> CivilTime? {
        var t = start
        let limit = start.year + 50
        while t.year <= limit {
            if !months.contains(t.month) {
                t = t.startOfNextMonth
                continue
            }
            if !matchesDay(t) {
                t = t.startOfNextDay
                continue
            }
            if !hours.contains(t.hour) {
                guard let hour = hours.filter({ $0 > t.hour }).min() else {
                    t = t.startOfNextDay
                    continue
                }
                t = CivilTime(year: t.year, month: t.month, day: t.day, hour: hour)
                continue
            }
            if !minutes.contains(t.minute) {
                guard let minute = minutes.filter({ $0 > t.minute }).min() else {
                    t = CivilTime(seconds: CivilTime(year: t.year, month: t.month, day: t.day, hour: t.hour).seconds + 3600)
                    continue
                }
                t = CivilTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: minute)
                continue
            }
            if !seconds.contains(t.second) {
                guard let second = seconds.filter({ $0 > t.second }).min() else {
                    t = CivilTime(seconds: CivilTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute).seconds + 60)
                    continue
                }
                t.second = second
                continue
            }
            return t
        }
        return nil
    }

    // MARK: - Real time

    /// Steps through real time, matching each instant's wall clock in `zone`: from one instant to
    /// the next wall-clock match, unless a shift comes first (then from the shift, whose wall clock
    /// may repeat an hour or have skipped one).
    private func nextInRealTime(after: Int, zone: TimeZone) -> Date? {
        var instant = after + 1
        let limit = after + 50 * 366 * 86_400
        while instant <= limit {
            let wall = Self.wall(at: instant, in: zone)
            guard let match = firstMatch(from: wall) else { return nil }
            if match == wall { return Date(timeIntervalSince1970: Double(instant)) }
            let candidate = Self.instants(of: match, in: zone).first { $0 > instant }
            let shift = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(instant)))
                .map { Int($0.timeIntervalSince1970.rounded(.up)) }
            if let shift, shift <= candidate ?? Int.max {
                instant = shift
                continue
            }
            // No shift before it: the wall clock climbs steadily to the match.
            guard let candidate else { return nil }
            return Date(timeIntervalSince1970: Double(candidate))
        }
        return nil
    }

    /// The wall clock in `zone` at `instant`.
    static func wall(at instant: Int, in zone: TimeZone) -> CivilTime {
        CivilTime(seconds: instant + zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
    }

    // MARK: - Wall clock

    /// Steps through wall-clock times; a time that does not exist runs at the first minute that
    /// does, a repeated one at its first occurrence.
    private func nextOnWallClock(after: Int, zone: TimeZone) -> Date? {
        var cursor = CivilTime(seconds: Self.wall(at: after, in: zone).seconds + 1)
        for _ in 0..<1000 {
            guard var match = firstMatch(from: cursor) else { return nil }
            var instant = Self.firstInstant(of: match, in: zone)
            while instant == nil {
                match = CivilTime(seconds: match.seconds + 60)
                instant = Self.firstInstant(of: match, in: zone)
            }
            if let instant, instant > after { return Date(timeIntervalSince1970: Double(instant)) }
            // Started inside a repeated hour, past its first copy: the next wall-clock match.
            cursor = CivilTime(seconds: match.seconds + 1)
        }
        return nil
    }

    /// The earliest instant whose wall clock in `zone` is `wall`; nil when the wall-clock time is
    /// skipped by a shift forward.
    static func firstInstant(of wall: CivilTime, in zone: TimeZone) -> Int? {
        instants(of: wall, in: zone).first
    }

    /// The instants whose wall clock in `zone` is `wall`, in order: none (skipped by a shift
    /// forward), one, or two (repeated by a shift back).
    static func instants(of wall: CivilTime, in zone: TimeZone) -> [Int] {
        let naive = wall.seconds
        // Offsets a day either side: shifts are months apart, so at most one lies between.
        let offsets = Set([-86_400, 0, 86_400].map { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(naive + $0))) })
        return offsets.map { naive - $0 }.filter { candidate in
            zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(candidate))) == naive - candidate
        }.sorted()
    }
}
