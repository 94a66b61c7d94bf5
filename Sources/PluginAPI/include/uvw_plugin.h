/*
 * uvw_plugin.h — Uvian Worker plugin ABI, major version 1.
 *
 * This header is the whole contract between the Uvian Worker host and a task plugin. A plugin is a
 * shared library that exports ONE function, uvw_plugin_entry_v1, and needs nothing else from the
 * host at link time: every host service arrives through the uvw_host_v1 table handed to init().
 * It is plain C99 so that plugins can be written in C, Swift (@_cdecl), Rust (extern "C"), Zig, ...
 *
 * Rules that make the ABI stable (read them before changing anything here):
 *
 *  1. Versions. UVW_ABI_MAJOR changes only on a breaking change, and then the entry symbol gets a
 *     new name (uvw_plugin_entry_v2), so one host can look for both. UVW_ABI_MINOR grows each time
 *     something is appended. The host loads a plugin iff
 *         plugin.abi_major == host major  &&  plugin.abi_minor_required <= host minor.
 *  2. Growth. Every struct that crosses the boundary begins with `uint32_t struct_size` (set it to
 *     sizeof(the struct as you compiled it)). Fields and function pointers are only ever APPENDED.
 *     Never reorder, retype or remove; a retired function pointer stays as a NULL slot. A reader
 *     checks that a field lies inside struct_size before touching it (UVW_HAS_FIELD below); a
 *     plugin built against an older minor therefore has smaller structs and still loads, and the
 *     host treats its missing tail fields as zero/NULL.
 *  3. Memory. Nobody frees the other side's memory. Every uvw_bytes handed to you is BORROWED for
 *     the duration of the call only; copy what you keep. Everything you hand to the host (results,
 *     errors, log lines, events) is copied by the host before the call returns, so you may free or
 *     reuse it at once. Strings are UTF-8 byte spans, not NUL-terminated unless stated.
 *  4. Errors. Nothing unwinds across the boundary: no C++ exceptions, Rust panics or longjmp may
 *     leave a plugin function. Failures are a uvw_status plus a message the host copies.
 *  5. Threads. Each function states its thread contract below in [brackets].
 *  6. Descriptor. uvw_plugin_entry_v1 must be side-effect free and return a pointer to static,
 *     immutable data that stays valid while the library is loaded. The host copies everything it
 *     needs out of it (names, schemas) right after loading.
 */
#ifndef UVW_PLUGIN_H
#define UVW_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UVW_ABI_MAJOR 1
#define UVW_ABI_MINOR 3
/* History of appended members:
 *   1.0  the first release.
 *   1.1  uvw_task_type_v1.description, uvw_plugin_v1.cancel.
 *   1.2  uvw_task_type_v1.example_params_json and example_result_json (the self-test).
 *   1.3  uvw_host_v1.task_info (with uvw_task_info), invoke_async and deadline_mono_ns;
 *        uvw_task_type_v1.example_status and example_error (a self-test that must fail).
 * A struct shorter than its 1.0 layout is refused ("struct too small"). */

#if defined(__GNUC__) || defined(__clang__)
#define UVW_EXPORT __attribute__((visibility("default")))
#else
#define UVW_EXPORT
#endif

/* True when `field` of the struct pointed to by `p` lies within p->struct_size. */
#define UVW_HAS_FIELD(p, type, field) \
    ((p) != NULL && (size_t)(p)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* ---------------------------------------------------------------------------------------------
 * Basic types
 * ------------------------------------------------------------------------------------------- */

/* A borrowed byte span (UTF-8 text or JSON). `ptr` may be NULL when `len` is 0. */
typedef struct uvw_bytes {
    const uint8_t *ptr;
    size_t len;
} uvw_bytes;

/* Status codes. Unknown values are treated as UVW_ERR_INTERNAL by the host. The error class
 * drives the retry policy: only UVW_ERR_RETRYABLE, UVW_ERR_TIMEOUT and UVW_ERR_INTERNAL are
 * retried while the job has attempts left. */
typedef int32_t uvw_status;
enum {
    UVW_OK = 0,
    UVW_PENDING = 1,              /* execute(): the plugin will call host->complete later */
    UVW_ERR_INVALID_PARAMS = 100, /* the caller's fault; never retried */
    UVW_ERR_CANCELLED = 101,      /* the task was cancelled (is_cancelled() said so) */
    UVW_ERR_TIMEOUT = 102,        /* the plugin gave up because the deadline passed */
    UVW_ERR_RETRYABLE = 103,      /* a transient failure (network, busy resource) */
    UVW_ERR_PERMANENT = 104,      /* will fail the same way again; never retried */
    UVW_ERR_INTERNAL = 105,       /* a bug or unexpected state in the plugin */
    UVW_ERR_UNSUPPORTED = 106     /* invoke(): no such host method; init(): unsupported config */
};

/* Log levels, as in swift-log. */
enum {
    UVW_LOG_TRACE = 0,
    UVW_LOG_DEBUG = 1,
    UVW_LOG_INFO = 2,
    UVW_LOG_NOTICE = 3,
    UVW_LOG_WARNING = 4,
    UVW_LOG_ERROR = 5,
    UVW_LOG_CRITICAL = 6
};

/* Language runtime of the plugin. It decides the unload policy: only UVW_RUNTIME_C plugins are
 * ever dlclose()d; the others are loaded with RTLD_NODELETE because their runtimes (Swift, Go)
 * cannot be unloaded safely. */
enum {
    UVW_RUNTIME_C = 0,
    UVW_RUNTIME_SWIFT = 1,
    UVW_RUNTIME_RUST = 2,
    UVW_RUNTIME_CXX = 3,
    UVW_RUNTIME_GO = 4,
    UVW_RUNTIME_OTHER = 255
};

/* Task type flags (uvw_task_type_v1.flags). Unknown bits are ignored. */
#define UVW_TASK_CANCELLABLE      (UINT64_C(1) << 0) /* polls is_cancelled() / honours cancel() */
#define UVW_TASK_REPORTS_PROGRESS (UINT64_C(1) << 1) /* calls progress() */
#define UVW_TASK_MAY_GO_ASYNC     (UINT64_C(1) << 2) /* execute() may return UVW_PENDING */
#define UVW_TASK_BLOCKING         (UINT64_C(1) << 3) /* execute() may block for long (I/O, sleep) */

/* The host's handle for one running task. Opaque, host-owned, never dereferenced by the plugin.
 * It is live from the moment execute() is called until complete() returns (or until the host gave
 * up on the task after its timeout/cancel grace period). The host checks every handle it receives:
 * a handle value is never reused for another task, and a call with a dead handle is dropped
 * (is_cancelled() answers true for it), so a late call is harmless — but it is still a bug. */
typedef struct uvw_task uvw_task;

/* What a running task knows about itself (host->task_info, 1.3). The caller sets struct_size to
 * sizeof(uvw_task_info) as it compiled it; the host fills only the fields that lie within it. The
 * byte spans point into host memory that stays valid while the task is live (until complete()
 * returns); copy what you keep longer. */
typedef struct uvw_task_info {
    uint32_t struct_size;
    uint32_t attempt;          /* this attempt's number: 1 for the first try */
    uint32_t max_attempts;     /* attempts the job may have in all (1: no retries) */
    uint32_t stalled_count;    /* times the job was recovered after its worker lost it (Redis) */
    uvw_bytes task_id;
    uvw_bytes task_type;
    uvw_bytes queue;           /* the queue's name (the BullMQ queue with Redis) */
    uvw_bytes conversation_id; /* the job's conversation_id parameter; len 0 when it has none */
    uvw_bytes parent_id;       /* the parent job's id (BullMQ flows); len 0 when it has none */
    int64_t created_at_ms;     /* when the job was added, ms since the Unix epoch; 0 unknown */
    int64_t started_at_ms;     /* when this attempt started, ms since the Unix epoch */
    int64_t deadline_ms;       /* as deadline_ms(); 0 none */
    int64_t deadline_mono_ns;  /* as deadline_mono_ns(); 0 none */
} uvw_task_info;

/* ---------------------------------------------------------------------------------------------
 * The host table: every service the host offers, passed to init(). Host-owned; valid until
 * shutdown() returns. Check UVW_HAS_FIELD(host, uvw_host_v1, fn) before calling a function that
 * was appended after the minor you require.
 * ------------------------------------------------------------------------------------------- */
typedef struct uvw_host_v1 { /* all members below exist since 1.0 */
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    void *host_ctx; /* pass back to log(); meaningless to the plugin */

    /* [any thread] Write a log line. `t` may be NULL for plugin-wide messages; with a task the
     * line carries the task's id and type. The host copies `msg`. */
    void (*log)(void *host_ctx, uvw_task *t, int32_t level, uvw_bytes msg);

    /* [any thread; task live] True once the task was cancelled or its deadline passed. Cheap:
     * poll it in loops. */
    bool (*is_cancelled)(uvw_task *t);

    /* [any thread; task live] The task's deadline in milliseconds since the Unix epoch
     * (CLOCK_REALTIME), or 0 when it has none. The wall clock can jump (NTP, an operator): to
     * measure time left, prefer deadline_mono_ns (1.3). */
    int64_t (*deadline_ms)(uvw_task *t);

    /* [any thread; task live] Report progress: `fraction` in [0, 1] (clamped), and an optional
     * JSON object with details (`note_json.len == 0` for none). The host copies both. */
    void (*progress)(uvw_task *t, double fraction, uvw_bytes note_json);

    /* [any thread; task live] Publish a plugin event, e.g. "chat.token" with a JSON payload.
     * The host copies both and delivers them to subscribers (SSE, pub/sub) in call order. */
    void (*emit)(uvw_task *t, uvw_bytes event, uvw_bytes payload_json);

    /* [any thread but one that must not block; task live; blocks] Call a host service by name
     * with a JSON request, e.g. "store.messages.list". On UVW_OK the host has called `reply`
     * exactly once, on the calling thread, before invoke returns, with a JSON response borrowed for
     * the duration of `reply`. On an error status `reply` is called once with {"error": "..."}
     * when there is a message, or not at all. Returns UVW_ERR_UNSUPPORTED for an unknown method.
     * It blocks the calling thread until the host answers: from an event loop or an async
     * runtime's thread (Swift concurrency, tokio) use invoke_async (1.3) instead. */
    uvw_status (*invoke)(uvw_task *t, uvw_bytes method, uvw_bytes request_json,
                         void (*reply)(void *user, uvw_bytes response_json), void *user);

    /* [any thread; exactly once per task] Finish the task. With UVW_OK, `result_json` is the
     * task's result (a JSON value; empty means null). With an error status, `error` is a
     * readable reason. The host copies both. After complete() returns `t` is dead; a second
     * call for the same task is dropped. */
    void (*complete)(uvw_task *t, uvw_status status, uvw_bytes result_json, uvw_bytes error);
    /* An error status may come with a result too (`result_json` non-empty, a JSON value): it is
     * kept beside the error (the task's `result`, and the BullMQ job's `returnvalue` next to its
     * `failedReason`), so a failure can say what it got, e.g. an exit code and stderr, or an
     * HTTP status. */

    /* --- 1.3 --- */

    /* [any thread; task live] Fills *info (see uvw_task_info). Returns UVW_OK, or
     * UVW_ERR_INVALID_PARAMS when info is NULL or its struct_size is smaller than the 1.3
     * layout's first four fields, or UVW_ERR_INTERNAL when the task is no longer live. */
    uvw_status (*task_info)(uvw_task *t, uvw_task_info *info);

    /* [any thread; task live] invoke without blocking: returns at once, and the host calls
     * `done` exactly once, from a host thread (possibly before invoke_async returns), with the
     * status and the JSON response borrowed for the duration of `done` ({"error": "..."} on an
     * error status). Do not block in `done`: hand the answer to your own thread or runtime. A
     * task that is no longer live gets UVW_ERR_INTERNAL. The task must stay live until `done`
     * ran: call complete() after it. */
    void (*invoke_async)(uvw_task *t, uvw_bytes method, uvw_bytes request_json,
                         void (*done)(void *user, uvw_status status, uvw_bytes response_json), void *user);

    /* [any thread; task live] The task's deadline on CLOCK_MONOTONIC in nanoseconds (compare
     * with clock_gettime(CLOCK_MONOTONIC)), or 0 when it has none. Unlike deadline_ms it does
     * not move when the wall clock is set. */
    int64_t (*deadline_mono_ns)(uvw_task *t);

    /* Appended members go here only (bump UVW_ABI_MINOR). */
} uvw_host_v1;

/* ---------------------------------------------------------------------------------------------
 * The plugin's static descriptor
 * ------------------------------------------------------------------------------------------- */
typedef struct uvw_task_type_v1 {
    uint32_t struct_size;
    /* NUL-terminated task type name, e.g. "data_processing". Unique across all loaded plugins. */
    const char *name;
    /* NUL-terminated JSON Schema (draft 2020-12 subset, see docs/writing-a-plugin.md) of the
     * job's parameters, or NULL for "any JSON object". The host validates parameters against it
     * before a job is queued, so execute() only ever sees valid parameters. */
    const char *params_schema_json;
    /* Most jobs of this type the host runs at once in this plugin; 0 = no limit of its own. */
    uint32_t max_concurrency;
    uint64_t flags; /* UVW_TASK_* */
    /* --- 1.1 --- */
    /* NUL-terminated one-line description, or NULL. */
    const char *description;
    /* --- 1.2 --- */
    /* The declared self-test that `uvian-worker plugin check` runs: NUL-terminated JSON parameters
     * (valid against the schema) for one execute(), or NULL for no self-test. */
    const char *example_params_json;
    /* NUL-terminated JSON the self-test's result must equal (object key order does not matter),
     * or NULL to accept any successful result. */
    const char *example_result_json;
    /* --- 1.3 --- */
    /* The status the self-test must end with: UVW_OK (0, the default) for a success, or an error
     * status (e.g. UVW_ERR_INVALID_PARAMS) for a self-test of an expected failure; its
     * example_params_json then need not satisfy the schema, which the check skips. */
    int32_t example_status;
    /* With an error example_status: a NUL-terminated substring the error must contain, or NULL. */
    const char *example_error;
} uvw_task_type_v1;

typedef struct uvw_plugin_v1 {
    uint32_t struct_size;
    uint16_t abi_major;          /* UVW_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor_required; /* lowest host minor the plugin works with */
    const char *name;            /* NUL-terminated, e.g. "data" */
    const char *version;         /* NUL-terminated, e.g. "1.2.0" */
    const char *description;     /* NUL-terminated, may be NULL */
    uint32_t runtime;            /* UVW_RUNTIME_* */
    uint32_t task_type_count;
    /* Array of task_type_count elements. All have the same struct_size, which is also the
     * array's stride, so a plugin built against an older minor (shorter elements) still works. */
    const uvw_task_type_v1 *task_types;

    /* [control thread; never concurrent with any other call into this plugin]
     * Create the plugin's state. `config_json` is the plugin's `config` object from plugins.yaml
     * (environment already substituted). On failure write a NUL-terminated reason into
     * err[0..err_cap) (truncate as needed) and return an error status: the plugin is then not
     * used, and neither shutdown nor any other function is called. `host` stays valid until
     * shutdown() returns. */
    uvw_status (*init)(const uvw_host_v1 *host, uvw_bytes config_json, void **state,
                       char *err, size_t err_cap);

    /* [control thread; after every task has completed] Release the state. Join any thread the
     * plugin started. May be NULL. */
    void (*shutdown)(void *state);

    /* [a host worker thread, never Swift's cooperative pool; concurrently up to the task type's
     * concurrency] Run one task of task_types[type_index]. `params_json` is borrowed for the call.
     * Either finish synchronously — call host->complete(t, ...) and return the same status — or
     * return UVW_PENDING and call host->complete from any thread later. May block. A return
     * without complete() having been called fails the task: with the returned status, or with
     * UVW_ERR_INTERNAL ("returned UVW_OK without calling complete()") when it returned UVW_OK. */
    uvw_status (*execute)(void *state, uint32_t type_index, uvw_task *t, uvw_bytes params_json);

    /* --- 1.1 --- */
    /* [any thread; may race with execute and complete; must be idempotent] Advisory: the task was
     * cancelled or timed out; stop soon. is_cancelled() already returns true. `t` may already be
     * dead (see uvw_task): use it only as a key to find your own work. May be NULL. */
    void (*cancel)(void *state, uvw_task *t);

    /* Appended members go here only (bump UVW_ABI_MINOR). */
} uvw_plugin_v1;

/* The only required export. [any thread; may be called more than once] Side-effect free;
 * returns a pointer to static data. */
typedef const uvw_plugin_v1 *(*uvw_plugin_entry_v1_fn)(void);
#define UVW_PLUGIN_ENTRY_V1_SYMBOL "uvw_plugin_entry_v1"

#ifdef __cplusplus
}
#endif

#endif /* UVW_PLUGIN_H */
