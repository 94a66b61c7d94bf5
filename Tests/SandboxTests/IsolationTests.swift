import Glibc
@testable import Sandbox
import Testing

/// Escape attempts: filesystem, secrets, kernel interfaces, network, privileges, environment.
@Suite struct IsolationTests {
    @Test(.enabled(if: TestHost.available))
    func uidInsideIsNotRoot() throws {
        let source = "import os; print(os.getuid(), os.geteuid(), os.getgid(), os.getgroups())"
        try withPython(source, slot: 1) { result, _ in
            let uid = TestHost.root ? TestHost.sandbox.uidBase + 1 : Int(getuid())
            #expect(result.stdoutText.hasPrefix("\(uid) \(uid) "))
            #expect(!result.stdoutText.hasPrefix("0 "))
        }
    }

    @Test(.enabled(if: TestHost.available))
    func writingOutsideTheWritableAreaIsDenied() throws {
        let source = """
        import errno
        for path in ["/usr/evil", "/evil", "/etc/evil", "/job/evil", "/proc/sys/kernel/hostname", "/job/out/ok", "/tmp/ok"]:
            try:
                with open(path, "w") as file: file.write("x")
                print(path, "written")
            except OSError as error:
                print(path, errno.errorcode[error.errno])
        """
        try withPython(source, slot: 9) { result, job in
            let outcome = Dictionary(uniqueKeysWithValues: lines(result).map { line -> (String, String) in
                let parts = line.split(separator: " "); return (String(parts[0]), String(parts[1]))
            })
            for path in ["/usr/evil", "/evil", "/etc/evil", "/job/evil", "/proc/sys/kernel/hostname"] {
                #expect(outcome[path] != "written", "\(path): \(outcome[path] ?? "?")")
            }
            #expect(outcome["/job/out/ok"] == "written")
            #expect(outcome["/tmp/ok"] == "written")
            #expect(access(job.path + "/evil", F_OK) != 0)
        }
    }

    @Test(.enabled(if: TestHost.available))
    func hostSecretsAreAbsent() throws {
        // The caller's data directory, world-readable on the host, must not be visible.
        let dataDir = try JobDirectory.create(in: "/tmp/uvw-sandbox-tests-data-\(geteuid())")
        defer { try? dataDir.remove() }
        try dataDir.write("secret.txt", Array("data-dir-secret".utf8))
        TestHost.canary
        let source = """
        import os, sys
        for path in ["/etc/shadow", "/etc/passwd", "\(dataDir.path)/secret.txt", "/root", "/work", "/home"]:
            print(path, "visible" if os.path.exists(path) else "absent")
        try:
            print("environ1", open("/proc/1/environ", "rb").read())
        except OSError as error:
            print("environ1 denied", error.errno)
        print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
        """
        try withPython(source, slot: 10) { result, _ in
            for path in ["/etc/shadow", "/etc/passwd", "\(dataDir.path)/secret.txt", "/root", "/work", "/home"] {
                #expect(result.stdoutText.contains("\(path) absent\n"), "\(path)")
            }
            #expect(!result.stdoutText.contains("canary-7f3a-secret"))
            #expect(!result.stdoutText.contains("data-dir-secret"))
            // Only the namespace's own processes: bwrap's init and the script.
            #expect(result.stdoutText.contains("pids [1, 2]"))
        }
    }

    @Test(.enabled(if: TestHost.available))
    func kernelInterfacesAreDenied() throws {
        let source = """
        import ctypes, errno, os
        libc = ctypes.CDLL(None, use_errno=True)
        def attempt(name, call):
            result = call()
            print(name, result, errno.errorcode.get(ctypes.get_errno(), "0"))
        attempt("ptrace", lambda: libc.ptrace(0, 0, 0, 0))                      # PTRACE_TRACEME
        attempt("unshare", lambda: libc.unshare(0x10000000))                    # CLONE_NEWUSER
        attempt("mount", lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
        attempt("bpf", lambda: libc.syscall(321, 0, 0, 0))
        attempt("userfaultfd", lambda: libc.syscall(323, 0))
        attempt("io_uring_setup", lambda: libc.syscall(425, 1, 0))
        attempt("keyctl", lambda: libc.syscall(250, 0, 0, 0, 0, 0))
        # clone() is allowed by the filter; a new user namespace is refused by bwrap's --disable-userns.
        pid = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)                     # clone(CLONE_NEWUSER|SIGCHLD)
        if pid == 0: os._exit(0)
        print("clone_newuser", pid, errno.errorcode.get(ctypes.get_errno(), "0"))
        """
        try withPython(source, slot: 11) { result, _ in
            let outcome = lines(result)
            #expect(outcome.count == 8, "\(result.stderrText)")
            for line in outcome.dropLast() { #expect(line.hasSuffix(" -1 EPERM"), "\(line)") }
            // max_user_namespaces is 0 inside: ENOSPC.
            #expect(outcome.last == "clone_newuser -1 ENOSPC" || outcome.last == "clone_newuser -1 EPERM", "\(outcome.last ?? "")")
        }
    }

    @Test(.enabled(if: TestHost.available))
    func internetSocketsAreRefused() throws {
        let source = """
        import socket
        for family in [socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK, socket.AF_PACKET]:
            try:
                socket.socket(family, socket.SOCK_DGRAM if family != socket.AF_PACKET else socket.SOCK_RAW); print(family.name, "created")
            except OSError as error:
                print(family.name, error.errno)
        socket.socket(socket.AF_UNIX); print("AF_UNIX created")
        """
        try withPython(source, slot: 12) { result, _ in
            #expect(result.stdoutText == "AF_INET \(EACCES)\nAF_INET6 \(EACCES)\nAF_NETLINK \(EACCES)\nAF_PACKET \(EACCES)\nAF_UNIX created\n",
                    "\(result.stderrText)")
        }
    }

    @Test(.enabled(if: TestHost.available))
    func theCallersListeningSocketsAreUnreachable() throws {
        // A TCP port on the host's 127.0.0.1, and an abstract unix socket (scoped to the network namespace).
        let (tcp, port) = loopbackListener()
        defer { close(tcp) }

        let abstractName = "uvw-sandbox-test-\(getpid())"
        let unixSocket = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(unixSocket) }
        var unixAddress = sockaddr_un()
        unixAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &unixAddress.sun_path) { raw in
            for (offset, byte) in abstractName.utf8.enumerated() { raw[offset + 1] = byte }
        }
        let unixLength = socklen_t(MemoryLayout<sa_family_t>.size + 1 + abstractName.utf8.count)
        let bound = withUnsafePointer(to: &unixAddress) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(unixSocket, $0, unixLength) } }
        #expect(bound == 0)
        listen(unixSocket, 4)

        let source = """
        import socket
        try:
            socket.create_connection(("127.0.0.1", \(port)), timeout=2); print("tcp connected")
        except OSError as error:
            print("tcp", error.errno)
        client = socket.socket(socket.AF_UNIX)
        try:
            client.connect("\\0\(abstractName)"); print("unix connected")
        except OSError as error:
            print("unix", error.errno)
        """
        try withPython(source, slot: 13) { result, _ in
            #expect(result.stdoutText == "tcp \(EACCES)\nunix \(ECONNREFUSED)\n", "\(result.stderrText)")
        }
    }

    @Test(.enabled(if: TestHost.availableAsRoot))
    func aSetuidBinaryGainsNoPrivilege() throws {
        let source = """
        import os
        os.execv("/job/suid-python", ["suid-python", "-I", "-S", "-c",
                 "import os; print(os.getuid(), os.geteuid(), open('/proc/self/status').read().split('NoNewPrivs:')[1].split()[0])"])
        """
        try withPython(source, slot: 14, prepare: { job in
            // A root-owned setuid copy of python3 in the job directory.
            let python = try #require(SystemCalls.readSmallFileBytes("/usr/bin/python3"))
            try job.write("suid-python", python, mode: 0o4755)
            #expect(chown(job.path + "/suid-python", 0, 0) == 0)
            #expect(chmod(job.path + "/suid-python", 0o4755) == 0)
        }) { result, _ in
            let uid = TestHost.sandbox.uidBase + 14
            #expect(result.stdoutText == "\(uid) \(uid) 1\n", "\(result.stderrText)")
        }
    }

    @Test(.enabled(if: TestHost.available))
    func aBackgroundProcessDoesNotSurviveTheRun() throws {
        let source = """
        import os
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv("/usr/bin/sleep", ["sleep", "1002"])
            os._exit(0)
        print("detached")
        """
        try withPython(source, slot: 15) { result, _ in
            #expect(result.exitCode == 0)
            #expect(result.stdoutText == "detached\n")
            #expect(result.durationMs < 3000)
        }
        #expect(hostProcesses(withCommandLine: ["sleep", "1002"]).isEmpty)
        if TestHost.root { #expect(SlotReaper.processes(ofUid: uid_t(TestHost.sandbox.uidBase + 15)).isEmpty) }
    }

    @Test(.enabled(if: TestHost.available))
    func theCallersEnvironmentDoesNotReachTheJob() throws {
        TestHost.canary
        let source = "import os; print(sorted(os.environ.items()))"
        try withPython(source, slot: 17, adjust: { $0.environment = ["UVW_JOB": "1"] }) { result, _ in
            #expect(!result.stdoutText.contains("canary"))
            #expect(result.stdoutText == "[('HOME', '/job'), ('LANG', 'C.UTF-8'), ('OMP_NUM_THREADS', '1'), ('OPENBLAS_NUM_THREADS', '1'), ('PATH', '/usr/local/bin:/usr/bin:/bin'), ('PWD', '/job'), ('PYTHONDONTWRITEBYTECODE', '1'), ('UVW_JOB', '1')]\n")
        }
    }
}

extension SystemCalls {
    static func readSmallFileBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}
