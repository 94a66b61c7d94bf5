/*
 * noop.c — the benchmark's no-op plugin (issue 7).
 *
 * Task type `noop`: any JSON object as params; completes at once, synchronously, with result
 * `null` (an empty result means null to the host). It does no work, allocates nothing and logs
 * nothing, so a drain of `noop` jobs measures the worker and the queue, not a plugin.
 *
 * Built by bench/redis_bench.py (build_noop_plugin) with
 *   cc -O2 -shared -fPIC -fvisibility=hidden -I Sources/PluginAPI/include bench/plugins/noop.c -o libnoop.so
 * Only uvw_plugin_entry_v1 is exported.
 */
#include "uvw_plugin.h"

#include <stddef.h>

static const uvw_bytes NO_BYTES = { NULL, 0 };

static uvw_status noop_init(const uvw_host_v1 *host, uvw_bytes config_json, void **state,
                            char *err, size_t err_cap) {
    (void)config_json;
    if (host == NULL || host->abi_major != UVW_ABI_MAJOR || !UVW_HAS_FIELD(host, uvw_host_v1, complete)) {
        if (err && err_cap) {
            static const char msg[] = "noop: host table too old or missing";
            size_t n = sizeof msg < err_cap ? sizeof msg : err_cap;
            for (size_t i = 0; i + 1 < n; i++) err[i] = msg[i];
            err[n - 1] = '\0';
        }
        return UVW_ERR_UNSUPPORTED;
    }
    *state = (void *)host; /* the state is just the host table */
    return UVW_OK;
}

static uvw_status noop_execute(void *state, uint32_t type_index, uvw_task *t, uvw_bytes params_json) {
    (void)type_index;
    (void)params_json;
    const uvw_host_v1 *host = state;
    host->complete(t, UVW_OK, NO_BYTES, NO_BYTES);
    return UVW_OK;
}

static void noop_cancel(void *state, uvw_task *t) {
    (void)state;
    (void)t;
}

static const uvw_task_type_v1 noop_task_types[] = {
    {
        .struct_size = sizeof(uvw_task_type_v1),
        .name = "noop",
        .params_schema_json = NULL, /* any JSON object */
        .max_concurrency = 0,
        .flags = 0,
        .description = "Does nothing; completes at once with result null (benchmarks).",
        .example_params_json = "{}",
        .example_result_json = "null",
    },
};

static const uvw_plugin_v1 noop_plugin = {
    .struct_size = sizeof(uvw_plugin_v1),
    .abi_major = UVW_ABI_MAJOR,
    .abi_minor_required = 0,
    .name = "noop",
    .version = "1.0.0",
    .description = "Benchmark plugin: one task type that does nothing.",
    .runtime = UVW_RUNTIME_C,
    .task_type_count = sizeof noop_task_types / sizeof noop_task_types[0],
    .task_types = noop_task_types,
    .init = noop_init,
    .shutdown = NULL,
    .execute = noop_execute,
    .cancel = noop_cancel,
};

UVW_EXPORT const uvw_plugin_v1 *uvw_plugin_entry_v1(void) {
    return &noop_plugin;
}
