/// A wall-clock time without a zone, as seconds since 1970-01-01T00:00 of the same calendar:
/// the arithmetic of days, months and weekdays without Foundation's calendars (a schedule's next
/// run is computed often), by Howard Hinnant's days-from-civil algorithms.
struct CivilTime: Equatable, Comparable {
    var year: Int
    var month: Int  // 1...12
    var day: Int  // 1...31
    var hour = 0
    var minute = 0
    var second = 0

    static func < (a: CivilTime, b: CivilTime) -> Bool { a.seconds < b.seconds }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// The wall-clock time `seconds` after 1970-01-01T00:00.
    init(seconds: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day,
                  hour: rest / 3600, minute: rest / 60 % 60, second: rest % 60)
    }

    var seconds: Int {
        Self.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// 0 = Sunday … 6 = Saturday.
    var weekday: Int {
        let days = Self.days(year: year, month: month, day: day)
        return ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Midnight of the first day of the next month.
    var startOfNextMonth: CivilTime {
        month == 12 ? CivilTime(year: year + 1, month: 1, day: 1) : CivilTime(year: year, month: month + 1, day: 1)
    }

    /// Midnight of the next day.
    var startOfNextDay: CivilTime { CivilTime(seconds: Self.days(year: year, month: month, day: day) * 86_400 + 86_400) }
}
