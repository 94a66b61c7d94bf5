/*
 * hello.c — a third-party style Uvian Worker plugin written in plain C.
 *
 * It needs nothing but Sources/PluginAPI/include/uvw_plugin.h: no host library, no JSON library.
 * Build (or just run `make` in this folder):
 *
 *   cc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
 *      -I../../../Sources/PluginAPI/include hello.c -o build/libhello-c.so
 *
 * and check that the only exported symbol is the entry point:
 *
 *   nm -D --defined-only build/libhello-c.so      # -> T uvw_plugin_entry_v1
 *
 * Task types:
 *   echo   params: any JSON object.  result: {"echo": <params verbatim>}.
 *   sleep  params: {"ms": 0..600000, "fail": bool?}. Sleeps in slices of at most 10 ms, polling
 *          is_cancelled() and the deadline each slice and reporting progress every ~10 %.
 *          result: {"slept_ms": ms}; UVW_ERR_CANCELLED / UVW_ERR_TIMEOUT when stopped early;
 *          UVW_ERR_RETRYABLE "asked to fail" after the full sleep when "fail" is true.
 *
 * Built with the 1.2 header (so it fills in the 1.1 members, task type descriptions and cancel, and
 * the 1.2 self-test members), but it requires only a 1.0 host: abi_minor_required = 0. A 1.0 host reads the 1.0 prefix of each
 * struct and steps through task_types by struct_size, so the extra members are simply not seen.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep under -std=c11 */

#include "uvw_plugin.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------------------------------------
 * Plugin state: created by init, freed by shutdown. Shared by all tasks, so only atomics in it.
 * ------------------------------------------------------------------------------------------- */
typedef struct hello_state {
    const uvw_host_v1 *host; /* valid until shutdown() returns */
    atomic_uint_fast64_t executed; /* tasks started, over the plugin's lifetime */
} hello_state;

enum { TYPE_ECHO = 0, TYPE_SLEEP = 1 };

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------------------------- */
static uvw_bytes bytes_of(const char *s) {
    uvw_bytes b = { (const uint8_t *)s, s ? strlen(s) : 0 };
    return b;
}

static const uvw_bytes NO_BYTES = { NULL, 0 };

static void log_line(const hello_state *st, uvw_task *t, int32_t level, const char *msg) {
    st->host->log(st->host->host_ctx, t, level, bytes_of(msg));
}

/* Finish with an error. The host copies `msg`, so a stack buffer is fine. */
static uvw_status fail(const hello_state *st, uvw_task *t, uvw_status status, const char *msg) {
    st->host->complete(t, status, NO_BYTES, bytes_of(msg));
    return status;
}

static int64_t now_ms(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms) {
    if (ms <= 0) return;
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) { /* EINTR: sleep the rest */ }
}

/* ---------------------------------------------------------------------------------------------
 * A tiny JSON scanner: just enough to read two top-level members of an object. Every read is
 * bounds-checked, so any input (even invalid JSON) only ever yields "not found", never a crash.
 * The host has already validated the params against the schema; this is belt and braces.
 * ------------------------------------------------------------------------------------------- */
typedef struct scan {
    const uint8_t *p;
    const uint8_t *end;
} scan;

static void skip_ws(scan *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int hexval(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* At an opening quote: decode the string into out[0..cap) (ASCII escapes decoded, anything else
 * replaced by 0x01 so it never matches a key we look for), advance past the closing quote.
 * Returns the decoded length (may exceed cap: the extra bytes are dropped), or -1 on bad input. */
static long read_string(scan *s, char *out, size_t cap) {
    if (s->p >= s->end || *s->p != '"') return -1;
    s->p++;
    long n = 0;
    while (s->p < s->end) {
        uint8_t c = *s->p++;
        if (c == '"') return n;
        if (c == '\\') {
            if (s->p >= s->end) return -1;
            uint8_t e = *s->p++;
            switch (e) {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                if (s->end - s->p < 4) return -1;
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    int h = hexval(s->p[i]);
                    if (h < 0) return -1;
                    v = v * 16 + h;
                }
                s->p += 4;
                c = v < 0x80 ? (uint8_t)v : 0x01;
                break;
            }
            default: c = e; break; /* \" \\ \/ */
            }
        }
        if ((size_t)n < cap) out[n] = (char)c;
        n++;
    }
    return -1; /* unterminated */
}

/* Skip one JSON value of any kind (nested containers included). Returns 0, or -1 on bad input. */
static int skip_value(scan *s) {
    skip_ws(s);
    if (s->p >= s->end) return -1;
    if (*s->p == '"') return read_string(s, NULL, 0) < 0 ? -1 : 0;
    if (*s->p == '{' || *s->p == '[') {
        /* Depth counting; strings are skipped whole so brackets inside them do not count. */
        long depth = 0;
        while (s->p < s->end) {
            uint8_t c = *s->p;
            if (c == '"') {
                if (read_string(s, NULL, 0) < 0) return -1;
                continue;
            }
            s->p++;
            if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0) return 0;
            }
        }
        return -1;
    }
    /* number, true, false, null: up to the next delimiter */
    const uint8_t *start = s->p;
    while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && *s->p != ' ' &&
           *s->p != '\t' && *s->p != '\n' && *s->p != '\r')
        s->p++;
    return s->p > start ? 0 : -1;
}

/* Parse a JSON number at s->p into *out (no libc strtod: it depends on the process locale).
 * Returns 0, or -1 when there is no number here. Magnitudes are capped, which is plenty to
 * range-check values like 0..600000. */
static int read_number(scan *s, double *out) {
    const uint8_t *p = s->p, *end = s->end;
    int neg = 0;
    if (p < end && *p == '-') { neg = 1; p++; }
    if (p >= end || *p < '0' || *p > '9') return -1;
    double v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (v < 1e300) v = v * 10 + (*p - '0');
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') return -1;
        double scale = 0.1;
        while (p < end && *p >= '0' && *p <= '9') {
            v += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) { eneg = *p == '-'; p++; }
        if (p >= end || *p < '0' || *p > '9') return -1;
        int e = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (e < 10000) e = e * 10 + (*p - '0');
            p++;
        }
        for (int i = 0; i < e && v != 0 && v < 1e300 && v > 1e-300; i++) v = eneg ? v / 10 : v * 10;
    }
    s->p = p;
    *out = neg ? -v : v;
    return 0;
}

static int match_literal(scan *s, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0) return 0;
    s->p += n;
    return 1;
}

typedef struct sleep_params {
    int has_ms;
    double ms;
    int fail;
} sleep_params;

/* Walk the top-level object and pick up "ms" and "fail". Returns 0, or -1 on malformed input. */
static int parse_sleep_params(uvw_bytes json, sleep_params *out) {
    memset(out, 0, sizeof *out);
    if (json.ptr == NULL) return -1;
    scan s = { json.ptr, json.ptr + json.len };
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{') return -1;
    s.p++;
    skip_ws(&s);
    if (s.p < s.end && *s.p == '}') return 0;
    for (;;) {
        char key[8];
        skip_ws(&s);
        long klen = read_string(&s, key, sizeof key);
        if (klen < 0) return -1;
        skip_ws(&s);
        if (s.p >= s.end || *s.p != ':') return -1;
        s.p++;
        skip_ws(&s);
        if (klen == 2 && memcmp(key, "ms", 2) == 0) {
            if (read_number(&s, &out->ms) != 0) return -1;
            out->has_ms = 1;
        } else if (klen == 4 && memcmp(key, "fail", 4) == 0) {
            if (match_literal(&s, "true")) out->fail = 1;
            else if (match_literal(&s, "false")) out->fail = 0;
            else return -1;
        } else if (skip_value(&s) != 0) {
            return -1;
        }
        skip_ws(&s);
        if (s.p >= s.end) return -1;
        if (*s.p == ',') { s.p++; continue; }
        if (*s.p == '}') return 0;
        return -1;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Task types
 * ------------------------------------------------------------------------------------------- */
static uvw_status run_echo(hello_state *st, uvw_task *t, uvw_bytes params) {
    static const char head[] = "{\"echo\":";
    const size_t head_len = sizeof head - 1;
    uvw_bytes body = params.len > 0 ? params : bytes_of("null");

    char line[96];
    snprintf(line, sizeof line, "echo: %zu bytes of params", params.len);
    log_line(st, t, UVW_LOG_INFO, line);

    size_t len = head_len + body.len + 1;
    uint8_t *buf = malloc(len);
    if (buf == NULL) return fail(st, t, UVW_ERR_RETRYABLE, "out of memory");
    memcpy(buf, head, head_len);
    memcpy(buf + head_len, body.ptr, body.len);
    buf[len - 1] = '}';

    uvw_bytes result = { buf, len };
    st->host->complete(t, UVW_OK, result, NO_BYTES);
    free(buf); /* the host copied it */
    return UVW_OK;
}

static uvw_status run_sleep(hello_state *st, uvw_task *t, uvw_bytes params) {
    sleep_params p;
    if (parse_sleep_params(params, &p) != 0 || !p.has_ms)
        return fail(st, t, UVW_ERR_INVALID_PARAMS, "params must be an object with an integer \"ms\"");
    if (!(p.ms >= 0 && p.ms <= 600000) || p.ms != (double)(int64_t)p.ms)
        return fail(st, t, UVW_ERR_INVALID_PARAMS, "\"ms\" must be an integer in 0..600000");

    const uvw_host_v1 *h = st->host;
    const int64_t total = (int64_t)p.ms;
    const int64_t start = now_ms(CLOCK_MONOTONIC);
    int next_decile = 1; /* report progress when crossing 10 %, 20 %, ... */
    int64_t elapsed = 0;
    char msg[96];

    for (;;) {
        /* Deadline first: the host's is_cancelled() also turns true when the deadline passes,
         * and in that case the honest status is TIMEOUT, not CANCELLED. */
        int64_t deadline = h->deadline_ms(t);
        if (deadline > 0 && now_ms(CLOCK_REALTIME) >= deadline) {
            snprintf(msg, sizeof msg, "deadline reached after %lld ms", (long long)elapsed);
            return fail(st, t, UVW_ERR_TIMEOUT, msg);
        }
        if (h->is_cancelled(t)) {
            snprintf(msg, sizeof msg, "cancelled after %lld ms", (long long)elapsed);
            return fail(st, t, UVW_ERR_CANCELLED, msg);
        }
        if (elapsed >= total) break;

        int64_t slice = total - elapsed;
        if (slice > 10) slice = 10;
        sleep_ms(slice);
        elapsed = now_ms(CLOCK_MONOTONIC) - start;

        double fraction = total > 0 ? (double)(elapsed < total ? elapsed : total) / (double)total : 1.0;
        if (next_decile <= 10 && fraction * 10 >= next_decile) {
            while (next_decile <= 10 && fraction * 10 >= next_decile) next_decile++;
            h->progress(t, fraction, NO_BYTES);
        }
    }

    if (p.fail) return fail(st, t, UVW_ERR_RETRYABLE, "asked to fail");

    char result[48];
    int n = snprintf(result, sizeof result, "{\"slept_ms\":%lld}", (long long)total);
    uvw_bytes r = { (const uint8_t *)result, (size_t)n };
    h->complete(t, UVW_OK, r, NO_BYTES);
    return UVW_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The plugin functions
 * ------------------------------------------------------------------------------------------- */
static uvw_status hello_init(const uvw_host_v1 *host, uvw_bytes config_json, void **state,
                             char *err, size_t err_cap) {
    (void)config_json; /* hello-c has no settings; the config is borrowed and not kept */
    /* Every host function this plugin calls exists since 1.0; still, never trust a table blindly. */
    if (host == NULL || host->abi_major != UVW_ABI_MAJOR || !UVW_HAS_FIELD(host, uvw_host_v1, complete)) {
        if (err && err_cap) snprintf(err, err_cap, "hello-c: host table too old or missing");
        return UVW_ERR_UNSUPPORTED;
    }
    hello_state *st = calloc(1, sizeof *st);
    if (st == NULL) {
        if (err && err_cap) snprintf(err, err_cap, "hello-c: out of memory");
        return UVW_ERR_INTERNAL;
    }
    st->host = host;
    atomic_init(&st->executed, 0);
    *state = st;
    return UVW_OK;
}

static void hello_shutdown(void *state) {
    hello_state *st = state;
    if (st == NULL) return;
    char line[96];
    snprintf(line, sizeof line, "hello-c shutting down after %llu tasks",
             (unsigned long long)atomic_load(&st->executed));
    log_line(st, NULL, UVW_LOG_DEBUG, line);
    free(st);
}

static uvw_status hello_execute(void *state, uint32_t type_index, uvw_task *t, uvw_bytes params_json) {
    hello_state *st = state;
    atomic_fetch_add_explicit(&st->executed, 1, memory_order_relaxed);
    switch (type_index) {
    case TYPE_ECHO: return run_echo(st, t, params_json);
    case TYPE_SLEEP: return run_sleep(st, t, params_json);
    default: return fail(st, t, UVW_ERR_INTERNAL, "hello-c: unknown task type index");
    }
}

/* Cancellation is cooperative: run_sleep polls is_cancelled() every 10 ms, so there is nothing to
 * do here. It may race with execute and complete, so it must not touch `t`; doing nothing is
 * trivially safe and idempotent. */
static void hello_cancel(void *state, uvw_task *t) {
    (void)state;
    (void)t;
}

/* ---------------------------------------------------------------------------------------------
 * The descriptor: static, immutable, returned by the one exported function.
 * ------------------------------------------------------------------------------------------- */
static const uvw_task_type_v1 hello_task_types[] = {
    {
        .struct_size = sizeof(uvw_task_type_v1),
        .name = "echo",
        .params_schema_json = "{\"type\":\"object\"}",
        .max_concurrency = 0,
        .flags = 0,
        .description = "Returns {\"echo\": <params>}.",
        /* 1.2: the self-test `uvian-worker plugin check` runs; a 1.0 host never reads these. */
        .example_params_json = "{\"hello\":\"world\"}",
        .example_result_json = "{\"echo\":{\"hello\":\"world\"}}",
    },
    {
        .struct_size = sizeof(uvw_task_type_v1),
        .name = "sleep",
        .params_schema_json =
            "{\"type\":\"object\","
            "\"properties\":{"
            "\"ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":600000},"
            "\"fail\":{\"type\":\"boolean\"}},"
            "\"required\":[\"ms\"],"
            "\"additionalProperties\":false}",
        .max_concurrency = 0,
        .flags = UVW_TASK_CANCELLABLE | UVW_TASK_REPORTS_PROGRESS | UVW_TASK_BLOCKING,
        .description = "Sleeps for params.ms milliseconds; honours cancellation and deadlines.",
        .example_params_json = "{\"ms\":5}",
        .example_result_json = "{\"slept_ms\":5}",
    },
};

static const uvw_plugin_v1 hello_plugin = {
    .struct_size = sizeof(uvw_plugin_v1),
    .abi_major = UVW_ABI_MAJOR,
    .abi_minor_required = 0,
    .name = "hello-c",
    .version = "1.0.0",
    .description = "Example plugin in plain C: echo and sleep.",
    .runtime = UVW_RUNTIME_C,
    .task_type_count = sizeof hello_task_types / sizeof hello_task_types[0],
    .task_types = hello_task_types,
    .init = hello_init,
    .shutdown = hello_shutdown,
    .execute = hello_execute,
    .cancel = hello_cancel,
};

UVW_EXPORT const uvw_plugin_v1 *uvw_plugin_entry_v1(void) {
    return &hello_plugin;
}
