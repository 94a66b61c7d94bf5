import Glibc
@testable import Sandbox
import Testing

/// The job directory: inputs read-only, one writable area, and cleanup that never follows links.
@Suite struct JobDirectoryTests {
    /// A file and a directory outside every job, which planted symlinks point at.
    private func makeVictim() throws -> JobDirectory {
        let victim = try JobDirectory.create(in: "/tmp/uvw-sandbox-tests-victim-\(geteuid())")
        try victim.write("target.txt", Array("keep me".utf8))
        #expect(mkdir(victim.path + "/inner", 0o755) == 0)
        try JobDirectory(existing: victim.path + "/inner").write("file.txt", Array("keep me too".utf8))
        return victim
    }

    private func expectIntact(_ victim: JobDirectory) {
        #expect(SystemCalls.readSmallFile(victim.path + "/target.txt") == "keep me")
        #expect(SystemCalls.readSmallFile(victim.path + "/inner/file.txt") == "keep me too")
    }

    @Test(.enabled(if: TestHost.available))
    func plantedSymlinksAreNotFollowedByCleanup() throws {
        let victim = try makeVictim()
        defer { try? victim.remove() }
        let source = """
        import os
        os.symlink("\(victim.path)/target.txt", "/job/out/file-link")
        os.symlink("\(victim.path)/inner", "/job/out/dir-link")
        os.symlink("\(victim.path)", "/job/out/root-link")
        os.makedirs("/job/out/a/b")
        os.symlink("\(victim.path)/inner", "/job/out/a/b/deep-link")
        os.chmod("/job/out/a", 0)
        print("planted")
        """
        var jobPath = ""
        try withPython(source, slot: 16) { result, job in
            #expect(result.stdoutText == "planted\n", "\(result.stderrText)")
            jobPath = job.path
        }
        #expect(access(jobPath, F_OK) != 0, "the job directory is gone")
        expectIntact(victim)
    }

    @Test(.enabled(if: TestHost.available))
    func aWritableJobKeepsItsInputsReadOnly() throws {
        let victim = try makeVictim()
        defer { try? victim.remove() }
        let source = """
        import os, errno
        print(open("/job/args.json").read())
        for attempt in [lambda: open("/job/args.json", "w"), lambda: os.unlink("/job/args.json"),
                        lambda: os.rename("/job/args.json", "/job/moved")]:
            try: attempt(); print("changed")
            except OSError as error: print(errno.errorcode[error.errno])
        open("/job/out.json", "w").write('{"ok": true}')
        os.symlink("\(victim.path)", "/job/link")
        """
        try withPython(source, slot: 23, prepare: { job in
            try job.write("args.json", Array(#"{"n": 1}"#.utf8))
        }, adjust: { $0.writableSubdirectory = nil }) { result, job in
            let outcome = lines(result)
            #expect(outcome.first == #"{"n": 1}"#, "\(result.stderrText)")
            #expect(!outcome.contains("changed"))
            #expect(SystemCalls.readSmallFile(job.path + "/out.json") == #"{"ok": true}"#)
            #expect(SystemCalls.readSmallFile(job.path + "/args.json") == #"{"n": 1}"#)
        }
        expectIntact(victim)
    }

    @Test func writeRefusesAPlantedSymlink() throws {
        let victim = try makeVictim()
        defer { try? victim.remove() }
        let job = try JobDirectory.create(in: "/tmp/uvw-sandbox-tests-\(geteuid())")
        defer { try? job.remove() }
        #expect(symlink(victim.path + "/target.txt", job.path + "/args.json") == 0)
        #expect(throws: SandboxError.self) { try job.write("args.json", Array("overwritten".utf8)) }
        expectIntact(victim)
    }

    @Test(.enabled(if: TestHost.available))
    func readingOutputRefusesSymlinksAndFifos() throws {
        let victim = try makeVictim()
        defer { try? victim.remove() }
        let source = """
        import os
        open("/job/out/good.json", "w").write("{}")
        os.symlink("\(victim.path)/target.txt", "/job/out/out.json")
        os.symlink("\(victim.path)/inner", "/job/out/sub")
        os.mkfifo("/job/out/fifo")
        open("/job/out/big", "w").write("z" * 5000)
        """
        try withPython(source, slot: 26) { result, job in
            #expect(result.exitCode == 0, "\(result.stderrText)")
            #expect(job.readOutput("out/good.json", limit: 100) == Array("{}".utf8))
            #expect(job.readOutput("out/out.json", limit: 100) == nil)
            #expect(job.readOutput("out/sub/file.txt", limit: 100) == nil)
            #expect(job.readOutput("out/fifo", limit: 100) == nil)
            #expect(job.readOutput("out/big", limit: 100) == nil)
            #expect(job.readOutput("out/../out/good.json", limit: 100) == nil)
        }
        expectIntact(victim)
    }

    @Test(.enabled(if: TestHost.available))
    func extraReadOnlyBindsAreReadableNotWritable() throws {
        let venv = try makeVictim()
        defer { try? venv.remove() }
        let source = """
        import errno
        print(open("/opt/venv/target.txt").read())
        try: open("/opt/venv/new", "w"); print("written")
        except OSError as error: print(errno.errorcode[error.errno])
        """
        try withPython(source, slot: 24, adjust: { $0.readOnlyBinds = [venv.path: "/opt/venv"] }) { result, _ in
            #expect(result.stdoutText == "keep me\nEROFS\n", "\(result.stderrText)")
        }
    }

    @Test(.enabled(if: TestHost.available))
    func stdinIsDelivered() throws {
        let input = Array(repeating: Array("line of input\n".utf8), count: 20_000).joined()
        let source = "import sys, hashlib; data = sys.stdin.buffer.read(); print(len(data))"
        try withPython(source, slot: 22, adjust: { $0.stdin = Array(input) }) { result, _ in
            #expect(result.stdoutText == "\(input.count)\n")
        }
    }

    @Test(.enabled(if: TestHost.available))
    func aBwrapSetupFailureIsReportedAsTheCommandsFailure() throws {
        try withPython("print(1)", slot: 25, adjust: { $0.readOnlyBinds = ["/nonexistent-uvw": "/opt/x"] }) { result, _ in
            #expect(result.exitCode == 1)
            #expect(result.stderrText.hasPrefix("bwrap:"))
        }
    }

    @Test(.enabled(if: TestHost.available))
    func probeDescribesTheHost() {
        let support = TestHost.support
        #expect(support.works)
        #expect(support.seccomp)
        #expect(support.description.contains("seccomp on"))
        print("probe:", support.description)
    }
}
