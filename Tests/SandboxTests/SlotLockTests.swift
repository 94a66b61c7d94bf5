import Glibc
@testable import Sandbox
import Testing

/// Slots across processes: a slot whose lock another worker holds is refused, not shared. (Every
/// test of this target uses slots of its own: they run in parallel.)
@Suite struct SlotLockTests {
    /// Holds the lock of `slot`'s uid the way another worker would: its own open file description.
    func holdElsewhere(_ slot: Int) -> Int32 {
        let path = "\(TestHost.sandbox.lockDirectory)/slot-\(TestHost.sandbox.uidBase + slot).lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0, "\(path): \(errno)")
        return fd
    }

    /// Runs `spec`, trying again while its slot is still busy (for up to two seconds).
    func runOnceFree(_ spec: SandboxSpec) throws -> SandboxResult {
        for _ in 0..<199 {
            let outcome = Result { try TestHost.sandbox.run(spec, cancelled: { false }) }
            if case .failure(let error) = outcome, error as? SandboxError == .slotBusy(spec.slot) {
                usleep(10_000)
                continue
            }
            return try outcome.get()
        }
        return try TestHost.sandbox.run(spec, cancelled: { false })
    }

    @Test(.enabled(if: TestHost.availableAsRoot))
    func aSlotHeldByAnotherWorkerIsRefused() throws {
        // The directory exists once any run has happened; make sure one has.
        try withPython("print(1)", slot: 33) { _, _ in }
        let held = holdElsewhere(34)
        let job = try JobDirectory.create(in: "/tmp/uvw-sandbox-tests-\(geteuid())")
        defer { try? job.remove() }
        let spec = SandboxSpec(command: ["/bin/true"], jobDirectory: job.path, limits: SandboxLimits(wallSeconds: 10), slot: 34)
        #expect(throws: SandboxError.slotBusy(34)) { try TestHost.sandbox.run(spec, cancelled: { false }) }
        close(held)
        // A process another test forks in parallel shares the lock's open file description until it
        // execs (O_CLOEXEC closes it only then): on a loaded machine the lock outlives the close for
        // a moment, so the slot is tried again for up to two seconds.
        let result = try runOnceFree(spec)
        #expect(result.exitCode == 0, "free again once the holder lets go")
    }

    @Test(.enabled(if: TestHost.availableAsRoot))
    func theProbeMovesOnFromAHeldSlot() throws {
        try withPython("print(1)", slot: 35) { _, _ in }
        let held = holdElsewhere(999)
        defer { close(held) }
        let support = Sandbox.probe()
        #expect(support.works, "\(support.problem ?? "")")
    }

    @Test(.enabled(if: TestHost.availableAsRoot))
    func aPoolRunsInTheLowestSlotNoWorkerHolds() throws {
        // A sandbox of its own uids (slots 0 and 1 of the pool are uids 150000 and 150001), so no
        // other test's slots are touched; the lock directory is the shared one.
        let sandbox = Sandbox(launcherPath: TestHost.sandbox.launcherPath, uidBase: 150_000)
        mkdir(sandbox.lockDirectory, 0o755)
        let path = "\(sandbox.lockDirectory)/slot-150000.lock"
        let held = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(held >= 0 && flock(held, LOCK_EX | LOCK_NB) == 0, "\(path): \(errno)")
        defer { close(held) }
        let job = try JobDirectory.create(in: "/tmp/uvw-sandbox-tests-\(geteuid())")
        defer { try? job.remove() }
        let spec = SandboxSpec(command: ["/usr/bin/id", "-u"], jobDirectory: job.path, limits: SandboxLimits(wallSeconds: 10))
        let pool = SlotPool()
        let result = try sandbox.runInFreeSlot(spec, pool: pool, cancelled: { false })
        #expect(result.stdoutText == "150001\n", "slot 0 is held by another worker: the run takes slot 1")
        #expect(pool.acquire() == 0, "both slots are free in the pool again")
    }
}
