/* uvw-sandbox-launch: the last step before bubblewrap, in a process of its own.
 *
 *   uvw-sandbox-launch [--uid N --gid N] [--rlimit NAME=SOFT:HARD]... [--cgroup DIR]... [--net]
 *                      [--status-fd FD] -- /usr/bin/bwrap BWRAP-ARGS...
 *   uvw-sandbox-launch --probe        (exit 0 when a seccomp filter can be built and exported)
 *
 * Order matters, and is why this is C and not a chain of setpriv/prlimit:
 *   1. join the run's cgroups (writing cgroup.procs needs the worker's privileges);
 *   2. build the seccomp filter and export it to a memfd (bwrap loads it just before exec'ing the
 *      command: bwrap itself needs mount/unshare, so loading it here would break bwrap);
 *   3. set the rlimits while still privileged (raising a hard limit needs CAP_SYS_RESOURCE);
 *   4. drop to the slot's uid/gid (as root only): RLIMIT_NPROC is not enforced for root, and a uid
 *      per slot makes it count one job's processes;
 *   5. PR_SET_NO_NEW_PRIVS, then start bwrap with `--seccomp FD` put first in its options.
 *
 * The launcher does not exec bwrap but stays as its parent and a child subreaper: bwrap's outer
 * process exits as soon as its PID-1 child reports the command's status, without reaping that
 * child, so the command's CPU time and peak RSS would never reach a wait4() in the worker. The
 * orphaned PID 1 is reparented here instead, reaped, and getrusage(RUSAGE_CHILDREN) then covers
 * the whole run. Status protocol on the status fd (`--status-fd`, never inherited by bwrap):
 *   "error: <why>\n"             the launch failed before the job ran (exit status 125)
 *   "bwrap-pid: <pid>\n"         bwrap started, leading its own process group (the one to kill)
 *   "rusage: <user us> <system us> <max rss KB>\n"   after bwrap ended; the launcher then exits
 *                                  with bwrap's status (a signal N as 128+N, as bwrap itself does). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#define MAX_CGROUPS 4

static int status_fd = 2;

static void fail(const char *format, ...) {
    char message[512];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (length < 0) length = 0;
    if ((size_t)length >= sizeof message) length = sizeof message - 1;
    dprintf(status_fd, "error: %.*s\n", length, message);
    _exit(125);
}

static long long parse_number(const char *text, const char *what) {
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0) fail("bad %s: %s", what, text);
    return value;
}

static int resource_named(const char *name) {
    static const struct { const char *name; int resource; } table[] = {
        {"cpu", RLIMIT_CPU}, {"as", RLIMIT_AS}, {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},
        {"fsize", RLIMIT_FSIZE}, {"core", RLIMIT_CORE}, {"stack", RLIMIT_STACK},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0) return table[i].resource;
    fail("unknown rlimit %s", name);
    return -1;
}

/* NAME=SOFT:HARD */
static void apply_rlimit(char *spec) {
    char *equals = strchr(spec, '=');
    char *colon = equals ? strchr(equals, ':') : NULL;
    if (!equals || !colon) fail("bad --rlimit %s (want NAME=SOFT:HARD)", spec);
    *equals = '\0';
    *colon = '\0';
    struct rlimit limit = {
        .rlim_cur = (rlim_t)parse_number(equals + 1, "rlimit soft value"),
        .rlim_max = (rlim_t)parse_number(colon + 1, "rlimit hard value"),
    };
    if (limit.rlim_cur > limit.rlim_max) fail("rlimit %s: soft above hard", spec);
    if (setrlimit(resource_named(spec), &limit) != 0) fail("setrlimit %s: %s", spec, strerror(errno));
}

static void join_cgroup(const char *directory) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/cgroup.procs", directory) >= (int)sizeof path) fail("cgroup path too long");
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) fail("open %s: %s", path, strerror(errno));
    char pid[32];
    int length = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (write(fd, pid, (size_t)length) != length) fail("join %s: %s", path, strerror(errno));
    close(fd);
}

static void add_rule(scmp_filter_ctx context, uint32_t action, const char *name) {
    int number = seccomp_syscall_resolve_name(name);
    /* A syscall this architecture lacks cannot be called either: nothing to deny. */
    if (number == __NR_SCMP_ERROR) return;
    int rc = seccomp_rule_add(context, action, number, 0);
    if (rc < 0) fail("seccomp rule %s: %s", name, strerror(-rc));
}

/* Default allow; the calls a job never needs and that widen the kernel's attack surface fail
 * with EPERM; sockets other than AF_UNIX fail with EACCES (what a firewall would say) unless
 * the job may use the network. Returns a memfd holding the BPF program, at offset 0. */
static int build_filter(int network) {
    scmp_filter_ctx context = seccomp_init(SCMP_ACT_ALLOW);
    if (!context) fail("seccomp_init failed");
    static const char *denied[] = {
        "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root",
        "unshare", "setns", "bpf", "keyctl", "add_key", "request_key", "perf_event_open",
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "fsopen", "fsmount", "fsconfig", "move_mount", "open_tree", "open_by_handle_at",
        "swapon", "swapoff", "reboot", "acct", "quotactl",
    };
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
        add_rule(context, SCMP_ACT_ERRNO(EPERM), denied[i]);
    if (!network) {
        int rc = seccomp_rule_add(context, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_NE, AF_UNIX));
        if (rc < 0) fail("seccomp socket rule: %s", strerror(-rc));
    }
    /* Not close-on-exec: bwrap reads it by number. */
    int fd = memfd_create("uvw-seccomp", 0);
    if (fd < 0) fail("memfd_create: %s", strerror(errno));
    int rc = seccomp_export_bpf(context, fd);
    if (rc < 0) fail("seccomp_export_bpf: %s", strerror(-rc));
    seccomp_release(context);
    if (lseek(fd, 0, SEEK_SET) != 0) fail("lseek: %s", strerror(errno));
    return fd;
}

static void drop_privileges(long long uid, long long gid) {
    if (setgroups(0, NULL) != 0) fail("setgroups: %s", strerror(errno));
    if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) fail("setresgid: %s", strerror(errno));
    if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) fail("setresuid: %s", strerror(errno));
    /* Paranoia: a drop that could be undone is no drop. */
    if (uid != 0 && (setresuid(0, 0, 0) == 0 || getuid() != (uid_t)uid || geteuid() != (uid_t)uid))
        fail("uid drop to %lld did not stick", uid);
}

/* Dies with the worker (the credential change above cleared any earlier setting). */
static void die_with_parent(pid_t expected_parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail("PR_SET_PDEATHSIG: %s", strerror(errno));
    if (getppid() != expected_parent) _exit(125);
}

/* Runs bwrap as a child, reaps it and every orphan reparented here, reports the rusage. */
static int monitor(char **bwrap_argv) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) fail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
    pid_t launcher = getpid();
    pid_t bwrap = fork();
    if (bwrap < 0) fail("fork: %s", strerror(errno));
    if (bwrap == 0) {
        /* Its own process group, which the worker kills on a timeout while this launcher lives on
         * to reap and report; and death with this launcher from the first instruction on (bwrap's
         * own --die-with-parent is only set once it runs). */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != launcher) _exit(125);
        execv(bwrap_argv[0], bwrap_argv);
        fail("execv %s: %s", bwrap_argv[0], strerror(errno));
    }
    setpgid(bwrap, bwrap);
    dprintf(status_fd, "bwrap-pid: %d\n", (int)bwrap);
    int bwrap_status = 0, status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, 0)) > 0 || (pid < 0 && errno == EINTR))
        if (pid == bwrap) bwrap_status = status;
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    dprintf(status_fd, "rusage: %lld %lld %ld\n",
            (long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec,
            (long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec, usage.ru_maxrss);
    if (WIFEXITED(bwrap_status)) return WEXITSTATUS(bwrap_status);
    return 128 + WTERMSIG(bwrap_status);
}

int main(int argc, char **argv) {
    long long uid = -1, gid = -1;
    int network = 0, first_command = -1;
    const char *cgroups[MAX_CGROUPS];
    int cgroup_count = 0;
    char *rlimits[16];
    int rlimit_count = 0;

    if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
        int fd = build_filter(0);
        close(fd);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        const char *option = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(option, "--") == 0) { first_command = i + 1; break; }
        else if (strcmp(option, "--net") == 0) network = 1;
        else if (!has_value) fail("%s needs a value", option);
        else if (strcmp(option, "--uid") == 0) uid = parse_number(argv[++i], "uid");
        else if (strcmp(option, "--gid") == 0) gid = parse_number(argv[++i], "gid");
        else if (strcmp(option, "--status-fd") == 0) {
            status_fd = (int)parse_number(argv[++i], "status fd");
            if (fcntl(status_fd, F_SETFD, FD_CLOEXEC) != 0) { status_fd = 2; fail("bad status fd"); }
        } else if (strcmp(option, "--rlimit") == 0) {
            if (rlimit_count == 16) fail("too many rlimits");
            rlimits[rlimit_count++] = argv[++i];
        } else if (strcmp(option, "--cgroup") == 0) {
            if (cgroup_count == MAX_CGROUPS) fail("too many cgroups");
            cgroups[cgroup_count++] = argv[++i];
        } else fail("unknown option %s", option);
    }
    if (first_command < 0 || first_command >= argc) fail("no command after --");
    if ((uid < 0) != (gid < 0)) fail("--uid and --gid go together");
    if (uid == 0 || gid == 0) fail("refusing to run a job as uid/gid 0");

    for (int i = 0; i < cgroup_count; i++) join_cgroup(cgroups[i]);
    int filter_fd = build_filter(network);
    for (int i = 0; i < rlimit_count; i++) apply_rlimit(rlimits[i]);
    pid_t parent = getppid();
    if (uid > 0) drop_privileges(uid, gid);
    die_with_parent(parent);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));

    /* bwrap [--seccomp FD] ARGS...: the filter option goes first, before bwrap's `--`. */
    int command_count = argc - first_command;
    char **bwrap_argv = calloc((size_t)command_count + 3, sizeof(char *));
    if (!bwrap_argv) fail("out of memory");
    char fd_text[16];
    snprintf(fd_text, sizeof fd_text, "%d", filter_fd);
    bwrap_argv[0] = argv[first_command];
    bwrap_argv[1] = "--seccomp";
    bwrap_argv[2] = fd_text;
    for (int i = 1; i < command_count; i++) bwrap_argv[i + 2] = argv[first_command + i];
    bwrap_argv[command_count + 2] = NULL;
    return monitor(bwrap_argv);
}
