import Foundation
import JSON
import Testing
import UvianHost

/// A schedule's runs as BullMQ's job schedulers compute them (its Lua's every arithmetic, its
/// Python worker's "next cron time after both the run and now"), and the fields of a schedule as
/// the API reads them.
@Suite struct ScheduleTimingTests {
    let hour: Int64 = 3_600_000

    @Test func everyStartsAtOnceOrOnTheOffsetsSlotOrAtTheStartDate() {
        let now: Int64 = 1_000_123
        #expect(ScheduleTiming(trigger: .every(milliseconds: 1000, offset: nil)).firstRun(now: now) == now)
        #expect(ScheduleTiming(trigger: .every(milliseconds: 1000, offset: 200)).firstRun(now: now) == 1_000_200)
        #expect(ScheduleTiming(trigger: .every(milliseconds: 1000, offset: 100)).firstRun(now: now) == 1_001_100)
        #expect(ScheduleTiming(trigger: .every(milliseconds: 1000, offset: nil), startDate: 5_000_000).firstRun(now: now) == 5_000_000)
        #expect(ScheduleTiming(trigger: .every(milliseconds: 1000, offset: nil), endDate: 999_000).firstRun(now: now) == nil)
    }

    @Test func everyStepsFromTheRunAndSkipsWhatWasMissed() {
        let timing = ScheduleTiming(trigger: .every(milliseconds: 200, offset: nil))
        // On time (or early): the run after is one step on.
        #expect(timing.nextRun(after: 10_050, now: 10_060) == 10_250)
        // 1.3 s late: the first slot of the same offset after now, not six catch-up runs.
        #expect(timing.nextRun(after: 10_050, now: 11_360) == 11_450)
        #expect(timing.missedRuns(after: 10_050, now: 11_360) == 6)
        #expect(timing.missedRuns(after: 10_050, now: 10_060) == 0)
        let offset = ScheduleTiming(trigger: .every(milliseconds: 200, offset: 30))
        #expect(offset.nextRun(after: 10_030, now: 11_500) == 11_630)
    }

    @Test func cronRunsAfterTheRunAndNowInItsTimeZone() {
        // 2026-03-29 01:30 UTC: Berlin has just moved to summer time (02:00 → 03:00 local).
        let start: Int64 = 1_774_747_800_000
        let daily = ScheduleTiming(trigger: .cron("30 2 * * *", timeZone: "Europe/Berlin"))
        // 02:30 does not exist that day in Berlin: the fixed-time job runs at the shift (01:00 UTC).
        let first = daily.firstRun(now: start - 2 * hour)
        #expect(first == 1_774_746_000_000)
        // The next after a late start is the next day's 02:30 CEST (00:30 UTC), and the one day
        // between counts as missed when the run starts two days late.
        #expect(daily.nextRun(after: 1_774_746_000_000, now: start) == 1_774_830_600_000)
        #expect(daily.missedRuns(after: 1_774_746_000_000, now: 1_774_746_000_000 + 50 * hour) == 2)
        let limited = ScheduleTiming(trigger: .cron("0 * * * *", timeZone: nil), endDate: start + hour)
        #expect(limited.runs(after: start, count: 5).count == 1)
        #expect(ScheduleTiming(trigger: .cron("0 * * * *", timeZone: nil), limit: 2).allowsAnother(afterCreating: 2) == false)
    }

    @Test func theAPIsFieldsAreReadAndBadOnesNamed() throws {
        let schedule = try Schedule(id: "r-1", json: [
            "task_type": "data_processing", "parameters": ["operation": "sum"], "cron": "0 3 * * MON-FRI", "tz": "Europe/Berlin",
            "start_date": "2026-12-24T18:00:00Z", "limit": 5, "options": ["attempts": 2],
        ])
        #expect(schedule.timing.trigger == .cron("0 3 * * MON-FRI", timeZone: "Europe/Berlin"))
        #expect(schedule.timing.startDate == 1_798_135_200_000 && schedule.timing.limit == 5 && schedule.options.attempts == 2)
        // What the API shows reads back as the same schedule (the embedded queue stores it so).
        #expect(try Schedule(id: "r-1", json: schedule.json) == schedule)
        func field(_ body: JSONValue, id: String = "s") -> String? {
            do {
                _ = try Schedule(id: id, json: body)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field(["task_type": "t", "every": 10], id: "a:b") == "id")
        #expect(field(["every": 10]) == "task_type")
        #expect(field(["task_type": "t"]) == "every")
        #expect(field(["task_type": "t", "every": 10, "cron": "* * * * *"]) == "every")
        #expect(field(["task_type": "t", "every": 10, "offset": 10]) == "offset")
        #expect(field(["task_type": "t", "cron": "* * * *"]) == "cron")
        #expect(field(["task_type": "t", "cron": "* * * * *", "tz": "Nowhere/Atlantis"]) == "tz")
        #expect(field(["task_type": "t", "every": 10, "start_date": "tomorrow"]) == "start_date")
        #expect(field(["task_type": "t", "every": 10, "start_date": 2000, "end_date": 1000]) == "end_date")
        #expect(field(["task_type": "t", "every": 10, "options": ["idempotency_key": "k"]]) == "options.idempotency_key")
        #expect(field(["task_type": "t", "every": 10, "options": ["attempts": 0]]) == "options.attempts")
        #expect(field(["task_type": "t", "every": 10, "colour": "red"]) == "colour")
    }
}
