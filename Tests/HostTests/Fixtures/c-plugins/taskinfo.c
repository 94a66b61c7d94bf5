/*
 * taskinfo.c — a C plugin written against ABI 1.3 as a third party would, from the header alone.
 *
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -shared -fPIC -I Sources/PluginAPI/include taskinfo.c -o libtaskinfo.so
 *
 * Plugin "taskinfo" (requires ABI 1.3), task types:
 *   flaky_until_third  fails its first two attempts on purpose (UVW_ERR_RETRYABLE, with the attempt
 *                      as the failure's result), then completes with what host->task_info says:
 *                      {"attempt", "max_attempts", "stalled_count", "task_id", "task_type", "queue",
 *                       "conversation_id", "created", "started", "deadline_ms", "deadline_mono_ns",
 *                       "mono_left_ms"}. Its self-test declares the expected failure of attempt 1.
 *   invoke_async_get   host->invoke_async("store.conversation.get", params) and completes from the
 *                      callback: with the response as result, or the error status and message.
 *
 * With -DTASKINFO_AS_1_2 it is the same plugin as built against the 1.2 header: abi_minor_required
 * 2, task types of the 1.2 size (no example_status), one type `as_1_2` answering {"abi": "1.2"}
 * and using nothing appended in 1.3.
 */
#include "uvw_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { const uvw_host_v1 *host; } state_t;

static const uvw_bytes none = { NULL, 0 };

static uvw_bytes text(const char *s, size_t len) {
    uvw_bytes b = { (const uint8_t *)s, len };
    return b;
}

static uvw_status ti_init(const uvw_host_v1 *host, uvw_bytes config, void **state, char *err, size_t cap) {
    (void)config;
#ifndef TASKINFO_AS_1_2
    if (!UVW_HAS_FIELD(host, uvw_host_v1, deadline_mono_ns)) {
        snprintf(err, cap, "taskinfo needs ABI 1.3 (task_info, invoke_async, deadline_mono_ns)");
        return UVW_ERR_UNSUPPORTED;
    }
#else
    (void)err;
    (void)cap;
#endif
    state_t *s = calloc(1, sizeof *s);
    if (!s) return UVW_ERR_INTERNAL;
    s->host = host;
    *state = s;
    return UVW_OK;
}

static void ti_shutdown(void *state) { free(state); }

#ifndef TASKINFO_AS_1_2
/* A byte span as a JSON string (the ids and names here need no escaping but quotes). */
static int json_string(char *out, size_t cap, uvw_bytes b) {
    if (b.len == 0) return snprintf(out, cap, "null");
    return snprintf(out, cap, "\"%.*s\"", (int)b.len, (const char *)b.ptr);
}

static uvw_status flaky(state_t *s, uvw_task *t) {
    uvw_task_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    uvw_status got = s->host->task_info(t, &info);
    if (got != UVW_OK) {
        const char *why = "task_info failed";
        s->host->complete(t, UVW_ERR_INTERNAL, none, text(why, strlen(why)));
        return UVW_ERR_INTERNAL;
    }
    char result[2048];
    if (info.attempt <= 2) {
        char why[128];
        int n = snprintf(why, sizeof why, "attempt %u of %u fails on purpose", info.attempt, info.max_attempts);
        int r = snprintf(result, sizeof result, "{\"attempt\":%u}", info.attempt);
        s->host->complete(t, UVW_ERR_RETRYABLE, text(result, (size_t)r), text(why, (size_t)n));
        return UVW_ERR_RETRYABLE;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    int64_t mono = s->host->deadline_mono_ns(t);
    char id[256], type[256], queue[256], conversation[256];
    json_string(id, sizeof id, info.task_id);
    json_string(type, sizeof type, info.task_type);
    json_string(queue, sizeof queue, info.queue);
    json_string(conversation, sizeof conversation, info.conversation_id);
    int len = snprintf(result, sizeof result,
                       "{\"attempt\":%u,\"max_attempts\":%u,\"stalled_count\":%u,\"task_id\":%s,\"task_type\":%s,"
                       "\"queue\":%s,\"conversation_id\":%s,\"created\":%s,\"started\":%s,\"deadline_ms\":%lld,"
                       "\"deadline_mono_ns\":%s,\"mono_left_ms\":%lld}",
                       info.attempt, info.max_attempts, info.stalled_count, id, type, queue, conversation,
                       info.created_at_ms > 0 ? "true" : "false", info.started_at_ms > 0 ? "true" : "false",
                       (long long)info.deadline_ms, info.deadline_mono_ns == mono && mono > 0 ? "true" : "false",
                       (long long)((mono - now_ns) / 1000000));
    s->host->complete(t, UVW_OK, text(result, (size_t)len), none);
    return UVW_OK;
}

typedef struct { const uvw_host_v1 *host; uvw_task *t; } call_t;

/* Runs on a host thread once the host answered: completes the task there. */
static void answered(void *user, uvw_status status, uvw_bytes response) {
    call_t *call = user;
    if (status == UVW_OK) {
        call->host->complete(call->t, UVW_OK, response, none);
    } else {
        call->host->complete(call->t, status, none, response);
    }
    free(call);
}

static uvw_status invoke_get(state_t *s, uvw_task *t, uvw_bytes params) {
    call_t *call = malloc(sizeof *call);
    if (!call) return UVW_ERR_INTERNAL;
    call->host = s->host;
    call->t = t;
    const char *method = "store.conversation.get";
    s->host->invoke_async(t, text(method, strlen(method)), params, answered, call);
    return UVW_PENDING;
}
#endif

static uvw_status ti_execute(void *state, uint32_t type_index, uvw_task *t, uvw_bytes params) {
    state_t *s = state;
#ifdef TASKINFO_AS_1_2
    (void)type_index;
    (void)params;
    const char *result = "{\"abi\":\"1.2\"}";
    s->host->complete(t, UVW_OK, text(result, strlen(result)), none);
    return UVW_OK;
#else
    switch (type_index) {
    case 0: return flaky(s, t);
    default: return invoke_get(s, t, params);
    }
#endif
}

#ifdef TASKINFO_AS_1_2
/* The task type as the 1.2 header declared it: everything up to example_result_json. */
#define TYPE_SIZE (offsetof(uvw_task_type_v1, example_result_json) + sizeof(const char *))
static const uvw_task_type_v1 types[] = {
    { .struct_size = TYPE_SIZE, .name = "as_1_2", .params_schema_json = NULL, .description = "built against 1.2",
      .example_params_json = "{}", .example_result_json = "{\"abi\":\"1.2\"}" },
};
#define MINOR_REQUIRED 2
#define PLUGIN_NAME "taskinfo-1.2"
#else
static const uvw_task_type_v1 types[] = {
    { .struct_size = sizeof(uvw_task_type_v1), .name = "flaky_until_third", .params_schema_json = NULL,
      .flags = UVW_TASK_MAY_GO_ASYNC, .description = "fails its first two attempts, then reports its task info",
      .example_params_json = "{}", .example_status = UVW_ERR_RETRYABLE, .example_error = "fails on purpose" },
    { .struct_size = sizeof(uvw_task_type_v1), .name = "invoke_async_get", .flags = UVW_TASK_MAY_GO_ASYNC,
      .params_schema_json = "{\"type\":\"object\",\"required\":[\"conversation_id\"]}",
      .description = "store.conversation.get through invoke_async" },
};
#define MINOR_REQUIRED 3
#define PLUGIN_NAME "taskinfo"
#endif

static const uvw_plugin_v1 plugin = {
    .struct_size = sizeof(uvw_plugin_v1),
    .abi_major = UVW_ABI_MAJOR,
    .abi_minor_required = MINOR_REQUIRED,
    .name = PLUGIN_NAME,
    .version = "1.3.0",
    .description = "ABI 1.3 fixture: task info, invoke_async, the monotonic deadline",
    .runtime = UVW_RUNTIME_C,
    .task_type_count = sizeof types / sizeof types[0],
    .task_types = types,
    .init = ti_init,
    .shutdown = ti_shutdown,
    .execute = ti_execute,
};

UVW_EXPORT const uvw_plugin_v1 *uvw_plugin_entry_v1(void) { return &plugin; }
