import Glibc
@testable import Sandbox
import Testing

/// The message channel (fd 4) and the private-loopback network mode.
@Suite struct ChannelTests {
    @Test(.enabled(if: TestHost.available))
    func messageLinesArriveInOrderAndOverlongOnesAreDropped() throws {
        let source = """
        import os
        fd = 4
        os.write(fd, b"first\\nsec")
        os.write(fd, b"ond\\n" + b"x" * 70000 + b"\\nthird\\n")
        os.write(fd, b"no newline at the end")
        print("done")
        """
        var received: [String] = []
        let job = try JobDirectory.create(in: "/tmp/uvw-sandbox-tests-\(geteuid())")
        defer { try? job.remove() }
        let spec = SandboxSpec(command: ["/usr/bin/python3", "-I", "-S", "-c", source], jobDirectory: job.path,
                               limits: SandboxLimits(wallSeconds: 30), slot: 30, messageChannel: true)
        let result = try TestHost.sandbox.run(spec, cancelled: { false }) { line in
            received.append(String(decoding: line, as: UTF8.self))
        }
        observe(#function, result)
        #expect(result.stdoutText == "done\n", "\(result.stderrText)")
        #expect(received == ["first", "second", "third"])
    }

    @Test(.enabled(if: TestHost.available))
    func withoutTheChannelFdFourIsClosed() throws {
        try withPython("import os\ntry:\n    os.fstat(4); print('open')\nexcept OSError as e:\n    print(e.errno)", slot: 31) { result, _ in
            #expect(result.stdoutText == "\(EBADF)\n", "\(result.stderrText)")
        }
    }

    @Test(.enabled(if: TestHost.available))
    func privateLoopbackAllowsIPSocketsButReachesNothingOutside() throws {
        // A listener on the host's 127.0.0.1: the run has a loopback of its own, so it finds nobody.
        let (tcp, port) = loopbackListener()
        defer { close(tcp) }
        let source = """
        import socket
        server = socket.create_server(("127.0.0.1", 0))
        client = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
        client.sendall(b"ping"); print(peer.recv(4).decode())
        try:
            socket.create_connection(("127.0.0.1", \(port)), timeout=2); print("host port reached")
        except OSError as error:
            print("host port", error.errno)
        try:
            socket.create_connection(("1.1.1.1", 80), timeout=2); print("internet reached")
        except OSError as error:
            print("internet", error.errno)
        """
        try withPython(source, slot: 32, adjust: { $0.network = .privateLoopback }) { result, _ in
            #expect(result.stdoutText == "ping\nhost port \(ECONNREFUSED)\ninternet \(ENETUNREACH)\n", "\(result.stderrText)")
        }
    }
}
