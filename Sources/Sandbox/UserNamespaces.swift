import Glibc

/// Why this host refuses the sandbox its user namespace, named by the kernel setting to change.
/// Without root, bubblewrap needs an unprivileged user namespace; distributions switch them off in
/// different ways, and bwrap's own message ("No permissions to create a new namespace") does not
/// say which.
public enum UserNamespaces {
    /// The setting that stops a process of `uid` (default: this one's) from creating a user
    /// namespace, if one does; `procSys` is where the sysctls are (a test points it elsewhere).
    public static func blockingSetting(procSys: String = "/proc/sys", uid: UInt32? = nil) -> String? {
        let uid = uid ?? geteuid()
        func value(_ name: String) -> Int? {
            SystemCalls.readSmallFile("\(procSys)/\(name)").flatMap { Int(String($0.filter { !$0.isWhitespace })) }
        }
        if value("user/max_user_namespaces") == 0 {
            return "user namespaces are disabled: sysctl user.max_user_namespaces is 0 (set it above 0, e.g. in /etc/sysctl.d/)"
        }
        // Root creates user namespaces whatever the next two say.
        guard uid != 0 else { return nil }
        // Debian's kernels before 6.1 (and some others) carry this switch.
        if value("kernel/unprivileged_userns_clone") == 0 {
            return "unprivileged user namespaces are disabled: sysctl kernel.unprivileged_userns_clone is 0 (set it to 1, e.g. in /etc/sysctl.d/)"
        }
        // Ubuntu 23.10 and later allow them only to programs an AppArmor profile lets.
        if value("kernel/apparmor_restrict_unprivileged_userns") == 1 {
            return "AppArmor restricts unprivileged user namespaces: sysctl kernel.apparmor_restrict_unprivileged_userns is 1 "
                + "(give /usr/bin/bwrap a profile with `userns,` or set it to 0)"
        }
        return nil
    }

    /// Why bwrap could not create its namespace, from the settings above or else from bwrap's own
    /// message (`bwrapError`), in the terms of what to change; nil if it says nothing of the kind.
    public static func explanation(bwrapError: String, procSys: String = "/proc/sys", uid: UInt32? = nil) -> String? {
        if let setting = blockingSetting(procSys: procSys, uid: uid) { return setting }
        guard bwrapError.contains("Creating new namespace failed") || bwrapError.contains("No permissions to create") else { return nil }
        if bwrapError.contains("ENOSPC") || bwrapError.contains("max_*_namespaces exceeded") {
            return "no user namespace may be created here: the user namespace limit is reached (sysctl user.max_user_namespaces, "
                + "the kernel's nesting depth of 32, or a sandbox around the worker that forbids nesting, as bwrap --disable-userns does)"
        }
        return "the kernel refuses this user new user namespaces (unprivileged user namespaces switched off, an AppArmor or "
            + "SELinux policy, or a container's seccomp profile: Docker's default refuses them, --security-opt seccomp=unconfined allows them)"
    }
}
