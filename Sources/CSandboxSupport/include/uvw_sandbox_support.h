/* Linux calls the sandbox library needs that Swift's Glibc module does not show. */
#ifndef UVW_SANDBOX_SUPPORT_H
#define UVW_SANDBOX_SUPPORT_H

#include <sys/types.h>

/* pidfd_open(pid, 0) with close-on-exec (pidfds always are): a descriptor that poll() reports
 * readable when the process ends, so the output loop wakes on exit instead of polling wait4.
 * -1 with errno (ENOSYS before Linux 5.3). */
int uvw_pidfd_open(pid_t pid);

/* statfs(path).f_type, or 0 on error: tells cgroup2 (0x63677270) from a v1/hybrid tmpfs. */
unsigned long uvw_filesystem_type(const char *path);

#endif
