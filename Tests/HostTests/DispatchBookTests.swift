import Testing
import UvianHost

/// The dispatcher's bookkeeping on its own: every rule about slots, leases, runs, cancels and
/// deadlines, driven event by event with the time passed in (no clock, no queue, no plugin).
/// A run is a string here, as an `ActiveJob` is in the worker.
@Suite struct DispatchBookTests {
    typealias Book = DispatchBook<String>
    let t0 = ContinuousClock.now

    func job(_ id: String, token: String = "w:1", cancelRequested: Bool = false) -> LeasedJob {
        var job = LeasedJob(id: id, taskType: "echo", parametersJSON: "{}", attempt: 1, maxAttempts: 1, backoff: .none, timeoutSeconds: nil)
        job.token = token
        job.cancelRequested = cancelRequested
        return job
    }

    func running(_ capacity: Int = 3) -> Book {
        var book = Book(capacity: capacity)
        book.start()
        return book
    }

    func isInterrupt(_ action: Book.StopAction, _ run: String) -> Bool {
        if case .interrupt(let got) = action { return got == run }
        return false
    }

    func isWithdraw(_ action: Book.StopAction, _ id: String) -> Bool {
        if case .withdraw(let key, _) = action { return key.id == id }
        return false
    }

    func isNone(_ action: Book.StopAction) -> Bool {
        if case .none = action { return true }
        return false
    }

    @Test func slotsAreTakenForFetchesAndSubmitsAndNeverBeyondCapacity() {
        var book = Book(capacity: 3)
        let got1 = book.reserveSlot()
        #expect(!got1, "a submit starts nothing before the consumer runs")
        book.start()
        let got2 = book.reserveSlot()
        #expect(got2)
        let got3 = book.reserveSlots()
        #expect(got3 == 2)
        let got4 = book.reserveSlots()
        #expect(got4 == 0)
        let got5 = book.reserveSlot()
        #expect(!got5)
        book.releaseSlots(2)
        #expect(book.slots == 1)
        book.stop()
        let got6 = book.reserveSlot()
        #expect(!got6, "a stopping worker starts nothing from a submit")
        let got7 = book.reserveSlots()
        #expect(got7 == 2, "the drain still counts the slots")
    }

    @Test func aStopBeforeTheStartKeepsTheWorkerStopped() {
        var book = Book(capacity: 1)
        book.stop()
        book.start()
        #expect(!book.running && book.stopping)
    }

    @Test func aJobLeasedAgainMakesTheOlderRunStaleAndItsEndDropped() {
        var book = running()
        let first = job("a", token: "w:1")
        let got8 = book.leased(first)
        #expect(got8 == nil)
        let got9 = book.begin(first, run: "run-1", deadline: t0 + .seconds(30))
        #expect(got9 == .run)
        let second = job("a", token: "w:2")
        let stale = book.leased(second)
        #expect(stale?.runKey == first.runKey)
        // The stale run is running: it is interrupted, and from then on superseded.
        let got10 = book.leaseLost(first)
        #expect(isInterrupt(got10, "run-1"))
        #expect(book.isSuperseded(first))
        #expect(!book.isSuperseded(second))
        let got11 = book.leaseLost(first)
        #expect(isNone(got11), "a run is lost once")
        // The stale run's end forgets only its own entries: the new run is still held.
        book.endRun(first)
        book.forget(first)
        #expect(book.holds("a"))
        let got12 = book.begin(second, run: "run-2", deadline: t0 + .seconds(30))
        #expect(got12 == .run)
        #expect(book.activeRun("a") == "run-2")
    }

    @Test func aRunLostBeforeItStartsNeverStarts() {
        var book = running()
        let leased = job("a")
        _ = book.leased(leased)
        let got13 = book.leaseLost(leased)
        #expect(isWithdraw(got13, "a"), "waiting for a limit: taken out of the line")
        let got14 = book.begin(leased, run: "run", deadline: t0)
        #expect(got14 == .drop)
        #expect(book.activeCount == 0)
    }

    @Test func aSettlingRunIsNotLostWhenTheQueueNoLongerHasIt() {
        var book = running()
        let leased = job("a")
        _ = book.leased(leased)
        _ = book.begin(leased, run: "run", deadline: t0 + .seconds(1))
        book.settle(leased)
        let (_, lost) = book.renewed([leased], cancelRequested: [], lost: ["a"])
        #expect(lost.count == 1 && isNone(lost[0].1))
        #expect(!book.isSuperseded(leased))
    }

    @Test func aRenewalLosesOnlyTheRunItRenewed() {
        var book = running()
        let old = job("a", token: "w:1")
        _ = book.leased(old)
        let sent = book.leasesToRenew(now: t0, lease: .seconds(30))
        // While the renewal was on its way, the job ended and was leased again here.
        book.forget(old)
        let new = job("a", token: "w:2")
        _ = book.leased(new)
        let (_, lost) = book.renewed(sent, cancelRequested: [], lost: ["a"])
        #expect(lost.isEmpty)
        #expect(!book.isSuperseded(new))
    }

    @Test func aCancelInterruptsARunningJobAndEndsAWaitingOneUnstarted() {
        var book = running()
        let runningJob = job("r")
        _ = book.leased(runningJob)
        _ = book.begin(runningJob, run: "run-r", deadline: t0 + .seconds(30))
        let got15 = book.cancel("r")
        #expect(isInterrupt(got15, "run-r"))

        let waiting = job("w")
        _ = book.leased(waiting)
        let got16 = book.cancel("w")
        #expect(isWithdraw(got16, "w"))
        let got17 = book.takeCancelBeforeStart(waiting)
        #expect(got17, "it ends cancelled without running")
        let got18 = book.takeCancelBeforeStart(waiting)
        #expect(!got18, "the cancel is consumed")

        let got19 = book.cancel("elsewhere")
        #expect(isNone(got19))
    }

    @Test func aCancelAsItStartsInterruptsItAtOnce() {
        var book = running()
        let leased = job("a")
        _ = book.leased(leased)
        _ = book.cancel("a")
        let got20 = book.begin(leased, run: "run", deadline: t0 + .seconds(1))
        #expect(got20 == .runCancelled)
    }

    @Test func aCancelForAJobNotTakenInYetWaitsForItForALease() {
        var book = running()
        let got21 = book.cancelLeasedHere("a", now: t0)
        #expect(isNone(got21), "its fetch has not come back")
        let leased = job("a")
        _ = book.leased(leased)
        let got22 = book.takeCancelBeforeStart(leased)
        #expect(got22)

        // One that never comes is forgotten after a lease.
        _ = book.cancelLeasedHere("b", now: t0)
        _ = book.leasesToRenew(now: t0 + .seconds(31), lease: .seconds(30))
        let late = job("b")
        _ = book.leased(late)
        let got23 = book.takeCancelBeforeStart(late)
        #expect(!got23)
    }

    @Test func aJobTheQueueMarkedCancelledEndsUnstarted() {
        var book = running()
        let leased = job("a", cancelRequested: true)
        _ = book.leased(leased)
        let got24 = book.takeCancelBeforeStart(leased)
        #expect(got24)
    }

    @Test func aRenewalsCancelsReachRunningAndWaitingJobs() {
        var book = running()
        let runningJob = job("r")
        let waiting = job("w")
        _ = book.leased(runningJob)
        _ = book.leased(waiting)
        _ = book.begin(runningJob, run: "run-r", deadline: t0 + .seconds(30))
        let sent = book.leasesToRenew(now: t0, lease: .seconds(30))
        #expect(Set(sent.map(\.id)) == ["r", "w"])
        let (cancels, lost) = book.renewed(sent, cancelRequested: ["r", "w"], lost: [])
        #expect(lost.isEmpty)
        #expect(cancels.contains { isInterrupt($0, "run-r") })
        #expect(cancels.contains { isWithdraw($0, "w") })
    }

    @Test func aDeadlinePassesOnceAtItsTime() {
        var book = running()
        let soon = job("soon")
        let later = job("later")
        _ = book.leased(soon)
        _ = book.leased(later)
        _ = book.begin(soon, run: "run-soon", deadline: t0 + .seconds(1))
        _ = book.begin(later, run: "run-later", deadline: t0 + .seconds(10))
        let got25 = book.pastDeadline(now: t0)
        #expect(got25.isEmpty)
        let got26 = book.pastDeadline(now: t0 + .seconds(1))
        #expect(got26 == ["run-soon"])
        let got27 = book.pastDeadline(now: t0 + .seconds(2))
        #expect(got27.isEmpty, "returned once")
        let got28 = book.pastDeadline(now: t0 + .seconds(10))
        #expect(got28 == ["run-later"])
        book.endRun(soon)
        book.endRun(later)
        #expect(book.activeCount == 0)
    }
}
