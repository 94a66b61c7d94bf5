/*
 * crashy.c — a C plugin that misbehaves on request, for the process-isolation tests.
 *
 *   cc -shared -fPIC -I Sources/PluginAPI/include crashy.c -o libcrashy.so
 *
 * Task type `crashy`, params {"action": "<what>", "mb": <n>}:
 *   ok      completes with {"ok": true, "pid": <the process it ran in>}
 *   segv    writes through a NULL pointer (SIGSEGV)
 *   abort   calls abort() (SIGABRT)
 *   hang    sleeps forever without looking at is_cancelled()
 *   spin    burns CPU forever without looking at is_cancelled()
 *   exit    calls exit(3) as a badly behaved library might
 *   alloc   mallocs and touches <mb> MiB: {"allocated_mb": mb}, or UVW_ERR_PERMANENT "malloc failed"
 *   chatty  logs a line, reports progress 0.5, emits "crashy.note" {"n": 1}, calls the host method
 *           store.conversation.create {"title": "from crashy"} and completes with
 *           {"invoke_status": <status>, "reply": <the host's reply verbatim>}
 *   printf  writes to stdout (which must not disturb the worker) and completes like ok
 * Parsing is a substring search: the params come from the tests only.
 */
#define _POSIX_C_SOURCE 200809L

#include "uvw_plugin.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const uvw_host_v1 *host;

static uvw_bytes text(const char *s) {
    uvw_bytes b = { (const uint8_t *)s, s ? strlen(s) : 0 };
    return b;
}

static uvw_status c_init(const uvw_host_v1 *h, uvw_bytes config, void **state, char *err, size_t cap) {
    (void)config; (void)err; (void)cap;
    host = h;
    *state = NULL;
    return UVW_OK;
}

static int has(uvw_bytes params, const char *needle) {
    char buffer[512];
    size_t n = params.len < sizeof buffer - 1 ? params.len : sizeof buffer - 1;
    memcpy(buffer, params.ptr, n);
    buffer[n] = 0;
    return strstr(buffer, needle) != NULL;
}

static long number_after(uvw_bytes params, const char *key) {
    char buffer[512];
    size_t n = params.len < sizeof buffer - 1 ? params.len : sizeof buffer - 1;
    memcpy(buffer, params.ptr, n);
    buffer[n] = 0;
    const char *at = strstr(buffer, key);
    return at ? strtol(at + strlen(key), NULL, 10) : 0;
}

typedef struct reply_buffer { char text[1024]; } reply_buffer;

static void keep_reply(void *user, uvw_bytes json) {
    reply_buffer *reply = user;
    size_t n = json.len < sizeof reply->text - 1 ? json.len : sizeof reply->text - 1;
    memcpy(reply->text, json.ptr, n);
    reply->text[n] = 0;
}

static uvw_status finish(uvw_task *t, const char *json) {
    host->complete(t, UVW_OK, text(json), text(NULL));
    return UVW_OK;
}

static uvw_status c_execute(void *state, uint32_t type_index, uvw_task *t, uvw_bytes params) {
    (void)state; (void)type_index;
    char result[1400];
    if (has(params, "\"segv\"")) {
        volatile int *nothing = NULL;
        *nothing = 1;
    }
    if (has(params, "\"abort\"")) abort();
    if (has(params, "\"exit\"")) exit(3);
    if (has(params, "\"hang\"")) {
        for (;;) pause();
    }
    if (has(params, "\"spin\"")) {
        volatile unsigned long counter = 0;
        for (;;) counter++;
    }
    if (has(params, "\"alloc\"")) {
        long mb = number_after(params, "\"mb\":");
        char *memory = malloc((size_t)mb << 20);
        if (!memory) {
            host->complete(t, UVW_ERR_PERMANENT, text(NULL), text("malloc failed"));
            return UVW_ERR_PERMANENT;
        }
        memset(memory, 1, (size_t)mb << 20);
        free(memory);
        snprintf(result, sizeof result, "{\"allocated_mb\":%ld}", mb);
        return finish(t, result);
    }
    if (has(params, "\"chatty\"")) {
        host->log(host->host_ctx, t, UVW_LOG_INFO, text("crashy is chatty"));
        host->progress(t, 0.5, text("{\"step\":\"half\"}"));
        host->emit(t, text("crashy.note"), text("{\"n\":1}"));
        reply_buffer reply = { "null" };
        uvw_status status = host->invoke(t, text("store.conversation.create"), text("{\"title\":\"from crashy\"}"),
                                         keep_reply, &reply);
        snprintf(result, sizeof result, "{\"invoke_status\":%d,\"reply\":%s}", status, reply.text);
        return finish(t, result);
    }
    if (has(params, "\"printf\"")) {
        printf("crashy writes to stdout\n");
        fflush(stdout);
    }
    snprintf(result, sizeof result, "{\"ok\":true,\"pid\":%ld}", (long)getpid());
    return finish(t, result);
}

static const uvw_task_type_v1 crashy_types[] = {
    {
        .struct_size = sizeof(uvw_task_type_v1),
        .name = "crashy",
        .params_schema_json = "{\"type\":\"object\",\"properties\":{\"action\":{\"type\":\"string\"},"
                              "\"mb\":{\"type\":\"integer\"}},\"required\":[\"action\"]}",
        .flags = UVW_TASK_BLOCKING,
        .description = "Misbehaves on request.",
        .example_params_json = "{\"action\":\"alloc\",\"mb\":1}",
        .example_result_json = "{\"allocated_mb\":1}",
    },
};

static const uvw_plugin_v1 crashy_plugin = {
    .struct_size = sizeof(uvw_plugin_v1),
    .abi_major = UVW_ABI_MAJOR,
    .abi_minor_required = 0,
    .name = "crashy",
    .version = "1.0.0",
    .runtime = UVW_RUNTIME_C,
    .task_type_count = 1,
    .task_types = crashy_types,
    .init = c_init,
    .execute = c_execute,
};

UVW_EXPORT const uvw_plugin_v1 *uvw_plugin_entry_v1(void) { return &crashy_plugin; }
