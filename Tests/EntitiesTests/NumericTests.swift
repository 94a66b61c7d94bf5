import Testing
@testable import Entities

/// MONEY, PERCENT, CARDINAL, DATE, TIME.
@Suite struct NumericTests {
    let r = Fixtures.grammarOnly

    @Test func money() {
        let text = "It paid $5 million, $3.2bn, €1,200.50, £40m, ¥500, ₹2,000, USD 5, 5 EUR, US$7 and five million dollars."
        let money = r.entities(in: text).filter { $0.type == .money }.map(\.text)
        #expect(money == ["$5 million", "$3.2bn", "€1,200.50", "£40m", "¥500", "₹2,000", "USD 5", "5 EUR", "US$7", "five million dollars"])
    }

    @Test func percent() {
        let e = r.entities(in: "Up 15%, then 15 percent, fifteen per cent and 2.5 percentage points.")
        #expect(e.filter { $0.type == .percent }.map(\.text) == ["15%", "15 percent", "fifteen per cent", "2.5 percentage points"])
    }

    @Test func cardinalsAreWhatIsLeft() {
        let e = r.entities(in: "Three of the 42 firms hired 1,000 people; COVID-19 hit G7 states in the 5th wave.")
        #expect(e.filter { $0.type == .cardinal }.map(\.text) == ["Three", "42", "1,000"])
    }

    @Test func moneyBeatsCardinal() {
        #expect(pairs(r.entities(in: "a $5 million fine")) == ["$5 million|MONEY"])
    }

    @Test func isoAndNumericDates() {
        let text = "Filed 2024-03-05, updated 2024-03-05T10:00:00Z, due 05/03/2024; not 13/13/2024."
        let dates = r.entities(in: text).filter { $0.type == .date }.map(\.text)
        #expect(dates == ["2024-03-05", "2024-03-05T10:00:00Z", "05/03/2024"])
    }

    @Test func writtenDates() {
        let text = "On March 5, 2024 and 5 March 2024, in March 2024, on Tuesday, next Tuesday, last week, yesterday and tomorrow, three years ago, in 2019, the 1990s."
        let dates = r.entities(in: text).filter { $0.type == .date }.map(\.text)
        #expect(dates == ["March 5, 2024", "5 March 2024", "March 2024", "Tuesday", "next Tuesday", "last week",
                          "yesterday", "tomorrow", "three years ago", "2019", "1990s"])
    }

    @Test func times() {
        let text = "At 10:30, 10:30 pm, 3pm, 7 a.m. and noon; the 14:05 UTC call; 25:99 is not a time."
        let times = r.entities(in: text).filter { $0.type == .time }.map(\.text)
        #expect(times == ["10:30", "10:30 pm", "3pm", "7 a.m.", "noon", "14:05 UTC"])
    }
}
