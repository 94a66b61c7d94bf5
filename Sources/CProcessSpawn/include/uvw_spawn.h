/* GNU extensions the worker needs to start plugin-runner children safely, which Swift's Glibc
 * module does not show (they sit behind _GNU_SOURCE). */
#ifndef UVW_SPAWN_H
#define UVW_SPAWN_H

#include <spawn.h>

/* pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start, so no other child inherits them. */
int uvw_pipe_cloexec(int fds[2]);

/* posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor >= `from`. */
int uvw_spawn_closefrom(posix_spawn_file_actions_t *actions, int from);

#endif
