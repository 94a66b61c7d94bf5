/*
 * versioned.c — a C plugin whose results name its version, for the hot-swap tests.
 *
 *   cc -shared -fPIC -I Sources/PluginAPI/include -DFIX_VERSION=2 versioned.c -o libversioned.so
 *
 * Plugin "versioned" version "<N>.0.0", task type `versioned`: waits 20 ms, or params.ms (so jobs
 * overlap a swap), and completes with {"version": N}. With -DFIX_BROKEN_INIT its init fails, as a broken
 * new release would; -DFIX_WRONG_MAJOR declares ABI major 2. Its self-test ({} gives
 * {"version": N}) fails on purpose with -DFIX_BAD_SELF_TEST, for `plugin check`. -DFIX_STRICT_SCHEMA
 * requires a "must" parameter, as a new release that tightened its schema would.
 */
#define _POSIX_C_SOURCE 200809L
#include "uvw_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FIX_VERSION
#define FIX_VERSION 1
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

typedef struct { const uvw_host_v1 *host; } state_t;

static uvw_status v_init(const uvw_host_v1 *host, uvw_bytes config, void **state, char *err, size_t cap) {
    (void)config;
#ifdef FIX_BROKEN_INIT
    (void)host; (void)state;
    snprintf(err, cap, "version %d cannot start: missing model file", FIX_VERSION);
    return UVW_ERR_PERMANENT;
#else
    (void)err; (void)cap;
    state_t *s = calloc(1, sizeof *s);
    if (!s) return UVW_ERR_INTERNAL;
    s->host = host;
    *state = s;
    return UVW_OK;
#endif
}

static void v_shutdown(void *state) { free(state); }

static uvw_status v_execute(void *state, uint32_t type_index, uvw_task *t, uvw_bytes params) {
    (void)type_index;
    state_t *s = state;
    /* {"ms": N} sets the wait (default 20 ms); the params come from the tests only. */
    long ms = 20;
    char text[128] = { 0 };
    memcpy(text, params.ptr, params.len < sizeof text - 1 ? params.len : sizeof text - 1);
    const char *at = strstr(text, "\"ms\":");
    if (at) ms = strtol(at + 5, NULL, 10);
    struct timespec pause = { ms / 1000, (ms % 1000) * 1000 * 1000 };
    nanosleep(&pause, NULL);
    char result[64];
    int len = snprintf(result, sizeof result, "{\"version\":%d}", FIX_VERSION);
    uvw_bytes r = { (const uint8_t *)result, (size_t)len };
    uvw_bytes none = { NULL, 0 };
    s->host->complete(t, UVW_OK, r, none);
    return UVW_OK;
}

static const uvw_task_type_v1 v_types[] = {{
    .struct_size = sizeof(uvw_task_type_v1),
    .name = "versioned",
#ifdef FIX_STRICT_SCHEMA
    .params_schema_json = "{\"type\":\"object\",\"required\":[\"must\"]}",
#else
    .params_schema_json = "{\"type\":\"object\"}",
#endif
    .max_concurrency = 0,
    .flags = 0,
    .description = "returns the plugin's version",
    .example_params_json = "{}",
#ifdef FIX_BAD_SELF_TEST
    .example_result_json = "{\"version\":0}",
#else
    .example_result_json = "{\"version\":" STR(FIX_VERSION) "}",
#endif
}};

static const uvw_plugin_v1 v_plugin = {
    .struct_size = sizeof(uvw_plugin_v1),
#ifdef FIX_WRONG_MAJOR
    .abi_major = UVW_ABI_MAJOR + 1,
#else
    .abi_major = UVW_ABI_MAJOR,
#endif
    .abi_minor_required = 0,
    .name = "versioned",
    .version = STR(FIX_VERSION) ".0.0",
    .description = "hot-swap fixture",
    .runtime = UVW_RUNTIME_C,
    .task_type_count = 1,
    .task_types = v_types,
    .init = v_init,
    .shutdown = v_shutdown,
    .execute = v_execute,
    .cancel = NULL,
};

UVW_EXPORT const uvw_plugin_v1 *uvw_plugin_entry_v1(void) { return &v_plugin; }
