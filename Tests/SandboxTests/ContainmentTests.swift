import Glibc
@testable import Sandbox
import Synchronization
import Testing

/// Resource attacks: each is stopped by its limit and reported; the worker stays fine.
@Suite struct ContainmentTests {
    @Test(.enabled(if: TestHost.availableAsRoot))
    func forkBombHitsTheProcessLimit() throws {
        let source = """
        import os, time
        count = 0
        try:
            while True:
                if os.fork() == 0:
                    time.sleep(30); os._exit(0)
                count += 1
        except OSError as error:
            print("forks", count, "errno", error.errno)
        """
        try withPython(source, slot: 2, limits: SandboxLimits(processes: 16, wallSeconds: 30)) { result, _ in
            #expect(result.exitCode == 0)
            let words = result.stdoutText.split(separator: " ")
            #expect(words.first == "forks")
            #expect(Int(words[1]) ?? 99 < 16)
            #expect(result.stdoutText.contains("errno \(EAGAIN)"))
            #expect(result.durationMs < 10_000, "the sleeping children die with the namespace")
        }
        #expect(SlotReaper.processes(ofUid: uid_t(TestHost.sandbox.uidBase + 2)).isEmpty)
        // The worker can still start jobs.
        try withPython("print('alive')", slot: 2) { result, _ in #expect(result.stdoutText == "alive\n") }
    }

    @Test(.enabled(if: TestHost.available))
    func memoryBalloonRaisesMemoryError() throws {
        let source = """
        try:
            block = bytearray(1 << 30)
            print("allocated")
        except MemoryError:
            print("MemoryError")
        """
        try withPython(source, slot: 3, limits: SandboxLimits(memoryMB: 256, wallSeconds: 30)) { result, _ in
            #expect(result.stdoutText == "MemoryError\n")
            #expect(result.peakMemoryKB < 256 * 1024)
        }
    }

    @Test(.enabled(if: TestHost.available))
    func cpuLoopIsKilledAtTheCPULimit() throws {
        try withPython("while True: pass", slot: 4, limits: SandboxLimits(cpuSeconds: 1, wallSeconds: 30)) { result, _ in
            #expect(result.signal == SIGXCPU || result.signal == SIGKILL)
            #expect(!result.timedOut)
            #expect(result.cpuMs >= 900)
            #expect(result.cpuMs < 3000)
        }
    }

    @Test(.enabled(if: TestHost.available))
    func sleepPastTheWallLimitKillsTheWholeRun() throws {
        let source = """
        import os, time
        if os.fork() == 0:
            os.setsid(); os.execv("/usr/bin/sleep", ["sleep", "1001"])
        print("started", flush=True)
        time.sleep(60)
        """
        try withPython(source, slot: 5, limits: SandboxLimits(wallSeconds: 1)) { result, _ in
            #expect(result.timedOut)
            #expect(result.signal == SIGKILL)
            #expect(result.stdoutText == "started\n")
            #expect(result.durationMs < 4000)
        }
        #expect(hostProcesses(withCommandLine: ["sleep", "1001"]).isEmpty)
    }

    @Test(.enabled(if: TestHost.available))
    func cancellationKillsTheRun() throws {
        let start = SystemCalls.monotonicMs()
        try withPython("import time; time.sleep(60)", slot: 21,
                       cancelled: { SystemCalls.monotonicMs() - start > 300 }) { result, _ in
            #expect(result.cancelled)
            #expect(!result.timedOut)
            #expect(result.signal == SIGKILL)
            #expect(result.durationMs < 3000)
        }
    }

    @Test(.enabled(if: TestHost.available))
    func fileFloodHitsEMFILE() throws {
        let source = """
        import errno
        files = []
        try:
            while True: files.append(open("/dev/null"))
        except OSError as error:
            print(len(files), errno.errorcode[error.errno])
        """
        try withPython(source, slot: 6, limits: SandboxLimits(openFiles: 32, wallSeconds: 30)) { result, _ in
            let words = result.stdoutText.split(separator: " ")
            #expect(words.last == "EMFILE\n")
            #expect(Int(words.first ?? "") ?? 99 < 32)
        }
    }

    @Test(.enabled(if: TestHost.available))
    func hugeFileHitsEFBIG() throws {
        let source = """
        import errno
        try:
            with open("/job/out/big", "wb") as file:
                for _ in range(64): file.write(b"x" * (1 << 20))
            print("wrote")
        except OSError as error:
            print(errno.errorcode[error.errno])
        """
        try withPython(source, slot: 7, limits: SandboxLimits(fileSizeMB: 4, wallSeconds: 30)) { result, job in
            #expect(result.stdoutText == "EFBIG\n")
            var info = stat()
            #expect(stat(job.path + "/out/big", &info) == 0)
            #expect(info.st_size == 4 << 20)
        }
    }

    @Test(.enabled(if: TestHost.available))
    func hugeStdoutIsTruncatedWithBoundedMemory() throws {
        let source = """
        import sys
        for _ in range(40): sys.stdout.write("y" * (1 << 19))
        sys.stderr.write("done")
        """
        try withPython(source, slot: 8, limits: SandboxLimits(outputBytes: 65536, wallSeconds: 30)) { result, _ in
            #expect(result.exitCode == 0, "the job is not blocked on a full pipe: output past the cap is drained")
            #expect(result.stdoutTruncated)
            #expect(result.stdout.count == 65536)
            #expect(!result.stderrTruncated)
            #expect(result.stderrText == "done")
        }
    }

    @Test(.enabled(if: TestHost.availableAsRoot))
    func twoRunsAtOnceOnDifferentSlotsHaveTheirOwnProcessLimits() throws {
        // 15 children each under a limit of 24: together (30) they would exceed one shared uid's limit.
        let source = """
        import os, time
        children = []
        for _ in range(15):
            pid = os.fork()
            if pid == 0:
                time.sleep(0.8); os._exit(0)
            children.append(pid)
        for pid in children: os.waitpid(pid, 0)
        print("uid", os.getuid(), "children", len(children))
        """
        let outcomes = Mutex<[Int: String]>([:])
        DispatchLike.concurrently(2) { index in
            let slot = 18 + index
            do {
                try withPython(source, slot: slot, limits: SandboxLimits(processes: 24, wallSeconds: 30)) { result, _ in
                    outcomes.withLock { $0[slot] = result.stdoutText + result.stderrText }
                }
            } catch {
                outcomes.withLock { $0[slot] = "\(error)" }
            }
        }
        let seen = outcomes.withLock { $0 }
        #expect(seen[18] == "uid \(TestHost.sandbox.uidBase + 18) children 15\n")
        #expect(seen[19] == "uid \(TestHost.sandbox.uidBase + 19) children 15\n")
    }

    @Test(.enabled(if: TestHost.available))
    func aSlotRunsOneJobAtATime() throws {
        let inFlight = Atomic<Bool>(false)
        let outcomes = Mutex<[String]>([])
        DispatchLike.concurrently(2) { index in
            if index == 1 { while !inFlight.load(ordering: .acquiring) { usleep(1000) }; usleep(200_000) }
            do {
                try withPython("import time; time.sleep(1)", slot: 20,
                               cancelled: { if index == 0 { inFlight.store(true, ordering: .releasing) }; return false }) { _, _ in
                    outcomes.withLock { $0.append("ran") }
                }
            } catch {
                outcomes.withLock { $0.append("\(error)") }
            }
        }
        #expect(outcomes.withLock { $0 }.sorted() == ["ran", "sandbox slot 20 is already running a job (here or in another worker)"])
    }
}
