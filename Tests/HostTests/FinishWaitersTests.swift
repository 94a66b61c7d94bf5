import Foundation
import Testing
import UvianHost

/// `?wait=` and a cancel's wait: the end of a task reaches whoever registered for it, whether it
/// comes before or during the wait, and a wait ends at its deadline or when its caller goes away.
/// (A wait that never ended would hang: the time limit turns that into a failure.)
@Suite(.timeLimit(.minutes(1))) struct FinishWaitersTests {
    func completed(_ id: String) -> TaskEvent {
        TaskEvent(type: "task.completed", taskId: id, taskType: "echo")
    }

    @Test func anEndBeforeTheWaitIsNotMissed() async {
        let waiters = FinishWaiters()
        let ticket = waiters.register("a")
        waiters.deliver(completed("a"))
        let event = await waiters.wait(ticket, timeout: 5)
        #expect(event?.taskId == "a")
    }

    @Test func everyWaiterOfATaskIsResumedAndOthersAreNot() async {
        let waiters = FinishWaiters()
        let first = waiters.register("a")
        let second = waiters.register("a")
        let other = waiters.register("b")
        async let one = waiters.wait(first, timeout: 5)
        async let two = waiters.wait(second, timeout: 5)
        async let three = waiters.wait(other, timeout: 5)
        // All three wait before the end of "a" comes.
        try? await poll(500, every: .milliseconds(5), "the three waits") { waiters.waitingCount == 3 }
        waiters.deliver(completed("a"))
        let (a1, a2) = await (one, two)
        #expect(a1?.taskId == "a" && a2?.taskId == "a")
        // The wait for "b" goes on: the end of "a" did not end it.
        #expect(waiters.waitingCount == 1, "a wait for another task ended with this one's event")
        waiters.deliver(completed("b"))
        #expect(await three?.taskId == "b")
    }

    @Test func aWaitEndsAtItsDeadline() async {
        let waiters = FinishWaiters()
        let ticket = waiters.register("slow")
        let started = ContinuousClock.now
        let event = await waiters.wait(ticket, timeout: 0.2)
        let waited = ContinuousClock.now - started
        #expect(event == nil)
        #expect(waited >= .milliseconds(200), "ended \(waited) into a 0.2 s wait")
        // The ticket is gone: a late end reaches nobody and a new wait starts afresh.
        waiters.deliver(completed("slow"))
        let again = waiters.register("slow")
        #expect(await waiters.wait(again, timeout: 0.05) == nil)
    }

    @Test func aCancelledCallerStopsWaiting() async {
        let waiters = FinishWaiters()
        let ticket = waiters.register("c")
        let waiting = Task { await waiters.wait(ticket, timeout: 60) }
        try? await poll(500, every: .milliseconds(5), "the wait") { waiters.waitingCount == 1 }
        waiting.cancel()
        // Without the cancellation it would wait 60 s, past the suite's time limit.
        #expect(await waiting.value == nil)
    }
}
