import Glibc
@testable import Sandbox
import Testing

/// The start-up refusal names the kernel setting that keeps bwrap from its user namespace.
@Suite struct UserNamespacesTests {
    /// A stand-in /proc/sys with the given sysctls (name relative to /proc/sys, value).
    private func procSys(_ values: [String: String]) throws -> JobDirectory {
        let root = try JobDirectory.create(in: "/tmp/uvw-userns-tests-\(geteuid())")
        for directory in ["kernel", "user"] { #expect(mkdir(root.path + "/" + directory, 0o755) == 0) }
        for (name, value) in values {
            let parts = name.split(separator: "/").map(String.init)
            try JobDirectory(existing: root.path + "/" + parts[0]).write(parts[1], Array((value + "\n").utf8))
        }
        return root
    }

    @Test func namesTheSettingThatBlocks() throws {
        let cases: [([String: String], UInt32, String?)] = [
            (["user/max_user_namespaces": "96367", "kernel/unprivileged_userns_clone": "1"], 999, nil),
            (["user/max_user_namespaces": "0"], 0, "user.max_user_namespaces is 0"),
            (["user/max_user_namespaces": "0"], 999, "user.max_user_namespaces is 0"),
            (["user/max_user_namespaces": "100", "kernel/unprivileged_userns_clone": "0"], 999, "kernel.unprivileged_userns_clone is 0"),
            // Root is not held back by the unprivileged switches.
            (["user/max_user_namespaces": "100", "kernel/unprivileged_userns_clone": "0"], 0, nil),
            (["kernel/apparmor_restrict_unprivileged_userns": "1"], 999, "kernel.apparmor_restrict_unprivileged_userns is 1"),
            (["kernel/apparmor_restrict_unprivileged_userns": "0"], 999, nil),
            ([:], 999, nil),
        ]
        for (values, uid, expected) in cases {
            let root = try procSys(values)
            defer { try? root.remove() }
            let setting = UserNamespaces.blockingSetting(procSys: root.path, uid: uid)
            if let expected {
                #expect(setting?.contains(expected) == true, "\(values) as uid \(uid): \(setting ?? "nil")")
            } else {
                #expect(setting == nil, "\(values) as uid \(uid): \(setting ?? "nil")")
            }
        }
    }

    @Test func explainsBwrapsOwnMessages() throws {
        let root = try procSys(["user/max_user_namespaces": "100"])
        defer { try? root.remove() }
        let exceeded = "bwrap: Creating new namespace failed: nesting depth or /proc/sys/user/max_*_namespaces exceeded (ENOSPC)"
        #expect(UserNamespaces.explanation(bwrapError: exceeded, procSys: root.path, uid: 999)?.contains("limit is reached") == true)
        let refused = "bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces."
        #expect(UserNamespaces.explanation(bwrapError: refused, procSys: root.path, uid: 999)?.contains("seccomp=unconfined") == true)
        #expect(UserNamespaces.explanation(bwrapError: "bwrap: execvp /nonexistent: No such file", procSys: root.path, uid: 999) == nil)
        // A setting that is known to block comes first.
        let blocked = try procSys(["user/max_user_namespaces": "100", "kernel/unprivileged_userns_clone": "0"])
        defer { try? blocked.remove() }
        #expect(UserNamespaces.explanation(bwrapError: refused, procSys: blocked.path, uid: 999)?.contains("unprivileged_userns_clone is 0") == true)
    }

    /// This machine lets the sandbox run, so nothing here may claim a blocking setting.
    @Test(.enabled(if: TestHost.available)) func thisHostIsNotBlocked() {
        #expect(UserNamespaces.blockingSetting() == nil)
    }
}
