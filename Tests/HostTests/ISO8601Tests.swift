import Foundation
import Testing
import UvianHost

/// Timestamps in events, records and logs: written by hand for speed, and exactly what
/// Foundation's ISO 8601 style (with fractional seconds) writes.
@Suite struct ISO8601Tests {
    let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    @Test func writesWhatFoundationWrites() {
        var generator = TestSeed.generator(for: "writesWhatFoundationWrites")
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_602_592.999999),
            Date(timeIntervalSince1970: 1_709_164_800.5),  // 2024-02-29, a leap day
            Date(timeIntervalSince1970: 946_684_799.9995), Date(timeIntervalSince1970: 4_102_444_800.001),
            Date(timeIntervalSince1970: -1.25),
        ]
        for _ in 0..<5000 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator))) }
        for date in dates {
            #expect(ISO8601.format(date) == style.format(date), "\(date.timeIntervalSince1970) (seed \(generator.seed))")
        }
        #expect(ISO8601.format(Date(timeIntervalSinceReferenceDate: 817_295_392.125)) == "2026-11-25T10:29:52.125Z")
    }

    @Test func yearsPastFourDigitsAreLeftToFoundation() {
        let far = Date(timeIntervalSince1970: 253_402_300_800)  // 10000-01-01
        #expect(ISO8601.format(far) == style.format(far))
    }
}
