/// One field of a cron expression and how its text reads.
enum CronField: Sendable {
    case second, minute, hour, day, month, weekday

    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .day: "day-of-month"
        case .month: "month"
        case .weekday: "day-of-week"
        }
    }

    var range: ClosedRange<Int> {
        switch self {
        case .second, .minute: 0...59
        case .hour: 0...23
        case .day: 1...31
        case .month: 1...12
        case .weekday: 0...7
        }
    }

    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    struct Parsed {
        var values: Set<Int> = []
        var last = false
        var lastWeekdays: Set<Int> = []
        var nthWeekdays: [(weekday: Int, nth: Int)] = []
    }

    func parse(_ text: String) throws(CronExpression.Invalid) -> Parsed {
        var parsed = Parsed()
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            try parseItem(item, into: &parsed)
        }
        if parsed.values.isEmpty && !parsed.last && parsed.lastWeekdays.isEmpty && parsed.nthWeekdays.isEmpty {
            throw invalid("'\(text)' selects nothing")
        }
        return parsed
    }

    private func parseItem(_ item: String, into parsed: inout Parsed) throws(CronExpression.Invalid) {
        guard !item.isEmpty else { throw invalid("an empty list item") }
        if self == .day && item == "L" {
            parsed.last = true
            return
        }
        if self == .weekday && item.hasSuffix("L") && item.count > 1 {
            parsed.lastWeekdays.insert(try number(String(item.dropLast())))
            return
        }
        if self == .weekday, let hash = item.firstIndex(of: "#") {
            let weekday = try number(String(item[..<hash]))
            guard let nth = Int(item[item.index(after: hash)...]), (1...5).contains(nth) else {
                throw invalid("'\(item)': the occurrence after # is 1 to 5")
            }
            parsed.nthWeekdays.append((weekday, nth))
            return
        }
        var body = Substring(item)
        var step = 1
        if let slash = item.firstIndex(of: "/") {
            guard let value = Int(item[item.index(after: slash)...]), value > 0 else {
                throw invalid("'\(item)': the step after / is a positive number")
            }
            step = value
            body = item[..<slash]
        }
        let bounds: ClosedRange<Int>
        if body == "*" || body == "?" {
            bounds = range
        } else if let dash = body.firstIndex(of: "-") {
            let low = try number(String(body[..<dash]))
            let high = try number(String(body[body.index(after: dash)...]))
            guard low <= high else { throw invalid("'\(item)': the range runs backwards") }
            bounds = low...high
        } else {
            let start = try number(String(body))
            // `a/n` runs from a to the field's end.
            bounds = item.contains("/") ? start...range.upperBound : start...start
        }
        parsed.values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
    }

    private func number(_ text: String) throws(CronExpression.Invalid) -> Int {
        let value: Int
        if let number = Int(text) {
            value = number
        } else if self == .month, let index = Self.monthNames.firstIndex(of: text) {
            value = index + 1
        } else if self == .weekday, let index = Self.weekdayNames.firstIndex(of: text) {
            value = index
        } else {
            throw invalid("'\(text)' is not a \(name) value")
        }
        guard range.contains(value) else { throw invalid("\(value) is outside \(range.lowerBound)-\(range.upperBound)") }
        return value
    }

    private func invalid(_ reason: String) -> CronExpression.Invalid {
        CronExpression.Invalid(description: "\(name) field: \(reason)")
    }
}
