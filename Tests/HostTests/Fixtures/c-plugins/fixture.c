/*
 * fixture.c — small C plugins for the host's plugin-loader tests.
 *
 * One source, many plugins: a -D macro picks the variant. The tests compile it at run time:
 *
 *   cc -shared -fPIC -I Sources/PluginAPI/include -D<VARIANT> \
 *      Tests/HostTests/Fixtures/c-plugins/fixture.c -o <tmp>/x.so
 *
 * (no macro for the default). Every variant also compiles warning-free with
 * -std=c11 -Wall -Wextra -Werror -fvisibility=hidden. Only the entry symbol is non-static.
 *
 * Each variant has its own plugin name and task type names (unless the clash is the point), so a
 * test that loads several at once sees exactly the failure it is after and not a name clash.
 *
 *  variant (-D)              plugin name           task types            what the host must do
 *  ------------------------  --------------------  --------------------  ---------------------------------
 *  (none)                    fixture 1.0.0         fixture_echo,         load. fixture_echo completes OK with
 *                                                  fixture_fail          the params verbatim as its result;
 *                                                                        fixture_fail completes
 *                                                                        UVW_ERR_PERMANENT "fixture failure".
 *  UVW_FIX_WRONG_MAJOR       fixture-wrong-major   wrong_major_echo      refuse: abi_major = 2.
 *  UVW_FIX_NEWER_MINOR       fixture-newer-minor   newer_minor_echo      refuse: abi_minor_required =
 *                                                                        UVW_ABI_MINOR + 1.
 *  UVW_FIX_STRUCT_TOO_SMALL  fixture-too-small     too_small_echo        refuse: plugin struct_size = 8
 *                                                                        (the rest of the struct is intact).
 *  UVW_FIX_DUPLICATE_TYPE    fixture-dup           fixture_echo          loads alone; refused (or the
 *                                                                        type rejected) when the default
 *                                                                        fixture is already loaded.
 *  UVW_FIX_BAD_SCHEMA        fixture-bad-schema    bad_schema_echo       refuse: params schema
 *                                                                        {"type":"no-such-type"}.
 *  UVW_FIX_INIT_ERROR        fixture-init-error    init_error_echo       refuse: init() returns
 *                                                                        UVW_ERR_PERMANENT with err =
 *                                                                        "database password missing";
 *                                                                        shutdown must NOT be called.
 *  UVW_FIX_NO_ENTRY          -                     -                     refuse: no uvw_plugin_entry_v1
 *                                                                        (exports uvw_plugin_entry instead,
 *                                                                        which returns a valid descriptor).
 *  UVW_FIX_OLDER_MINOR       fixture-old 1.0.0     old_echo, old_upper   load: built "against 1.0" with local
 *                                                                        copies of the 1.0 layouts (no
 *                                                                        plugin.cancel, no task type
 *                                                                        description), so struct_size is
 *                                                                        smaller and is the task_types
 *                                                                        stride. old_echo returns the params
 *                                                                        verbatim; old_upper returns
 *                                                                        {"upper": "<params.text upper-cased>"}
 *                                                                        (ASCII letters only; escapes kept).
 *
 * All valid variants complete synchronously. Unless stated, echo types take any JSON object.
 */
#include "uvw_plugin.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Variant selection
 * ------------------------------------------------------------------------------------------- */
#define FIX_SCHEMA_ANY_OBJECT "{\"type\":\"object\"}"

#if defined(UVW_FIX_WRONG_MAJOR)
#define FIX_NAME "fixture-wrong-major"
#define FIX_ECHO_NAME "wrong_major_echo"
#define FIX_ABI_MAJOR 2
#elif defined(UVW_FIX_NEWER_MINOR)
#define FIX_NAME "fixture-newer-minor"
#define FIX_ECHO_NAME "newer_minor_echo"
#define FIX_ABI_MINOR_REQUIRED (UVW_ABI_MINOR + 1)
#elif defined(UVW_FIX_STRUCT_TOO_SMALL)
#define FIX_NAME "fixture-too-small"
#define FIX_ECHO_NAME "too_small_echo"
#define FIX_PLUGIN_STRUCT_SIZE 8
#elif defined(UVW_FIX_DUPLICATE_TYPE)
#define FIX_NAME "fixture-dup"
#define FIX_ECHO_NAME "fixture_echo"
#elif defined(UVW_FIX_BAD_SCHEMA)
#define FIX_NAME "fixture-bad-schema"
#define FIX_ECHO_NAME "bad_schema_echo"
#define FIX_ECHO_SCHEMA "{\"type\":\"no-such-type\"}"
#elif defined(UVW_FIX_INIT_ERROR)
#define FIX_NAME "fixture-init-error"
#define FIX_ECHO_NAME "init_error_echo"
#define FIX_INIT_ERROR_MESSAGE "database password missing"
#elif defined(UVW_FIX_NO_ENTRY)
#define FIX_NAME "fixture-no-entry"
#define FIX_ECHO_NAME "no_entry_echo"
#elif defined(UVW_FIX_OLDER_MINOR)
#define FIX_NAME "fixture-old"
#else
#define FIX_NAME "fixture"
#define FIX_ECHO_NAME "fixture_echo"
#define FIX_HAS_FAIL_TYPE 1
#endif

#ifndef FIX_ABI_MAJOR
#define FIX_ABI_MAJOR UVW_ABI_MAJOR
#endif
#ifndef FIX_ABI_MINOR_REQUIRED
#define FIX_ABI_MINOR_REQUIRED 0
#endif
#ifndef FIX_ECHO_SCHEMA
#define FIX_ECHO_SCHEMA FIX_SCHEMA_ANY_OBJECT
#endif

/* ---------------------------------------------------------------------------------------------
 * Shared plumbing
 * ------------------------------------------------------------------------------------------- */
typedef struct fix_state {
    const uvw_host_v1 *host;
} fix_state;

static const uvw_bytes fix_none = { NULL, 0 };

static uvw_bytes fix_str(const char *s) {
    uvw_bytes b = { (const uint8_t *)s, strlen(s) };
    return b;
}

/* Write a NUL-terminated, truncated copy of msg into err[0..cap). */
static void fix_set_err(char *err, size_t cap, const char *msg) {
    if (err == NULL || cap == 0) return;
    size_t n = strlen(msg);
    if (n >= cap) n = cap - 1;
    memcpy(err, msg, n);
    err[n] = '\0';
}

static uvw_status fix_init(const uvw_host_v1 *host, uvw_bytes config_json, void **state,
                           char *err, size_t err_cap) {
    (void)config_json;
#ifdef FIX_INIT_ERROR_MESSAGE
    (void)host;
    (void)state;
    fix_set_err(err, err_cap, FIX_INIT_ERROR_MESSAGE);
    return UVW_ERR_PERMANENT;
#else
    if (host == NULL || !UVW_HAS_FIELD(host, uvw_host_v1, complete)) {
        fix_set_err(err, err_cap, "fixture: host table too small");
        return UVW_ERR_UNSUPPORTED;
    }
    fix_state *st = malloc(sizeof *st);
    if (st == NULL) {
        fix_set_err(err, err_cap, "fixture: out of memory");
        return UVW_ERR_INTERNAL;
    }
    st->host = host;
    *state = st;
    return UVW_OK;
#endif
}

static void fix_shutdown(void *state) {
    free(state);
}

static uvw_status fix_complete(fix_state *st, uvw_task *t, uvw_status status, uvw_bytes result,
                               const char *error) {
    st->host->complete(t, status, result, error ? fix_str(error) : fix_none);
    return status;
}

static uvw_status fix_echo(fix_state *st, uvw_task *t, uvw_bytes params) {
    return fix_complete(st, t, UVW_OK, params, NULL);
}

#if !defined(UVW_FIX_OLDER_MINOR)
/* ---------------------------------------------------------------------------------------------
 * Every variant but OLDER_MINOR: the current (1.1) layouts.
 * ------------------------------------------------------------------------------------------- */
static uvw_status fix_execute(void *state, uint32_t type_index, uvw_task *t, uvw_bytes params_json) {
    fix_state *st = state;
    switch (type_index) {
    case 0: return fix_echo(st, t, params_json);
#ifdef FIX_HAS_FAIL_TYPE
    case 1: return fix_complete(st, t, UVW_ERR_PERMANENT, fix_none, "fixture failure");
#endif
    default: return fix_complete(st, t, UVW_ERR_INTERNAL, fix_none, "fixture: bad type index");
    }
}

static void fix_cancel(void *state, uvw_task *t) {
    (void)state;
    (void)t;
}

static const uvw_task_type_v1 fix_task_types[] = {
    {
        .struct_size = sizeof(uvw_task_type_v1),
        .name = FIX_ECHO_NAME,
        .params_schema_json = FIX_ECHO_SCHEMA,
        .max_concurrency = 0,
        .flags = 0,
        .description = "Returns its params verbatim.",
    },
#ifdef FIX_HAS_FAIL_TYPE
    {
        .struct_size = sizeof(uvw_task_type_v1),
        .name = "fixture_fail",
        .params_schema_json = NULL, /* any JSON object */
        .max_concurrency = 0,
        .flags = 0,
        .description = "Always fails with UVW_ERR_PERMANENT.",
    },
#endif
};

#ifndef FIX_PLUGIN_STRUCT_SIZE
#define FIX_PLUGIN_STRUCT_SIZE sizeof(uvw_plugin_v1)
#endif

static const uvw_plugin_v1 fix_plugin = {
    .struct_size = FIX_PLUGIN_STRUCT_SIZE,
    .abi_major = FIX_ABI_MAJOR,
    .abi_minor_required = FIX_ABI_MINOR_REQUIRED,
    .name = FIX_NAME,
    .version = "1.0.0",
    .description = "Loader test fixture (" FIX_NAME ").",
    .runtime = UVW_RUNTIME_C,
    .task_type_count = sizeof fix_task_types / sizeof fix_task_types[0],
    .task_types = fix_task_types,
    .init = fix_init,
    .shutdown = fix_shutdown,
    .execute = fix_execute,
    .cancel = fix_cancel,
};

static const uvw_plugin_v1 *fix_descriptor(void) {
    return &fix_plugin;
}

#else /* UVW_FIX_OLDER_MINOR */
/* ---------------------------------------------------------------------------------------------
 * OLDER_MINOR: a plugin as it would have been compiled against the 1.0 header. These are exact
 * copies of the 1.0 layouts, i.e. the 1.1 structs minus the members appended in 1.1.
 * ------------------------------------------------------------------------------------------- */
typedef struct fix_task_type_v1_0 {
    uint32_t struct_size;
    const char *name;
    const char *params_schema_json;
    uint32_t max_concurrency;
    uint64_t flags;
} fix_task_type_v1_0;

typedef struct fix_plugin_v1_0 {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor_required;
    const char *name;
    const char *version;
    const char *description;
    uint32_t runtime;
    uint32_t task_type_count;
    const fix_task_type_v1_0 *task_types;
    uvw_status (*init)(const uvw_host_v1 *host, uvw_bytes config_json, void **state,
                       char *err, size_t err_cap);
    void (*shutdown)(void *state);
    uvw_status (*execute)(void *state, uint32_t type_index, uvw_task *t, uvw_bytes params_json);
} fix_plugin_v1_0;

/* The 1.0 layouts are prefixes of the 1.1 ones: the point of "append only". */
_Static_assert(sizeof(fix_task_type_v1_0) == offsetof(uvw_task_type_v1, description),
               "1.0 task type layout must end where 1.1 appended description");
_Static_assert(sizeof(fix_task_type_v1_0) < sizeof(uvw_task_type_v1), "stride must differ");
_Static_assert(sizeof(fix_plugin_v1_0) == offsetof(uvw_plugin_v1, cancel),
               "1.0 plugin layout must end where 1.1 appended cancel");
_Static_assert(offsetof(fix_plugin_v1_0, execute) == offsetof(uvw_plugin_v1, execute),
               "1.0 plugin layout must be a prefix of 1.1");

/* old_upper: {"upper": "<params.text upper-cased>"}. Finds the top-level "text" member with a
 * tiny bounds-checked scan; escapes inside the string are copied unchanged (so \n stays \n and
 * \u00e9 stays \u00e9), only unescaped ASCII a-z are upper-cased. */
static const uint8_t *fix_skip_ws(const uint8_t *p, const uint8_t *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* p at an opening quote: returns the position after the closing quote, or NULL. */
static const uint8_t *fix_skip_string(const uint8_t *p, const uint8_t *end) {
    if (p >= end || *p != '"') return NULL;
    for (p++; p < end; p++) {
        if (*p == '\\') {
            if (++p >= end) return NULL;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

/* Skip any JSON value; returns the position after it, or NULL. */
static const uint8_t *fix_skip_value(const uint8_t *p, const uint8_t *end) {
    p = fix_skip_ws(p, end);
    if (p >= end) return NULL;
    if (*p == '"') return fix_skip_string(p, end);
    if (*p == '{' || *p == '[') {
        long depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = fix_skip_string(p, end);
                if (p == NULL) return NULL;
                continue;
            }
            if (*p == '{' || *p == '[') depth++;
            else if ((*p == '}' || *p == ']') && --depth == 0) return p + 1;
            p++;
        }
        return NULL;
    }
    const uint8_t *start = p;
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\n' &&
           *p != '\r')
        p++;
    return p > start ? p : NULL;
}

/* Find the raw (still escaped) contents of the top-level string member "text". */
static int fix_find_text(uvw_bytes json, const uint8_t **out, size_t *out_len) {
    if (json.ptr == NULL) return -1;
    const uint8_t *p = json.ptr, *end = json.ptr + json.len;
    p = fix_skip_ws(p, end);
    if (p >= end || *p != '{') return -1;
    p = fix_skip_ws(p + 1, end);
    if (p < end && *p == '}') return -1;
    for (;;) {
        const uint8_t *key = p;
        const uint8_t *after_key = fix_skip_string(p, end);
        if (after_key == NULL) return -1;
        int is_text = after_key - key == 6 && memcmp(key, "\"text\"", 6) == 0;
        p = fix_skip_ws(after_key, end);
        if (p >= end || *p != ':') return -1;
        p = fix_skip_ws(p + 1, end);
        if (is_text) {
            const uint8_t *after = fix_skip_string(p, end);
            if (after == NULL) return -1; /* not a string */
            *out = p + 1;
            *out_len = (size_t)(after - p - 2);
            return 0;
        }
        p = fix_skip_value(p, end);
        if (p == NULL) return -1;
        p = fix_skip_ws(p, end);
        if (p >= end || *p != ',') return -1;
        p = fix_skip_ws(p + 1, end);
    }
}

static uvw_status fix_upper(fix_state *st, uvw_task *t, uvw_bytes params) {
    const uint8_t *text;
    size_t len;
    if (fix_find_text(params, &text, &len) != 0)
        return fix_complete(st, t, UVW_ERR_INVALID_PARAMS, fix_none, "params.text must be a string");

    static const char head[] = "{\"upper\":\"";
    const size_t head_len = sizeof head - 1;
    size_t total = head_len + len + 2;
    uint8_t *buf = malloc(total);
    if (buf == NULL) return fix_complete(st, t, UVW_ERR_INTERNAL, fix_none, "out of memory");
    memcpy(buf, head, head_len);
    uint8_t *o = buf + head_len;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = text[i];
        if (c == '\\' && i + 1 < len) { /* keep the escape as is, \uXXXX included */
            size_t n = text[i + 1] == 'u' ? 6 : 2;
            if (n > len - i) n = len - i;
            memcpy(o, text + i, n);
            o += n;
            i += n - 1;
            continue;
        }
        *o++ = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
    }
    *o++ = '"';
    *o++ = '}';
    uvw_bytes result = { buf, (size_t)(o - buf) };
    uvw_status s = fix_complete(st, t, UVW_OK, result, NULL);
    free(buf);
    return s;
}

static uvw_status fix_old_execute(void *state, uint32_t type_index, uvw_task *t, uvw_bytes params_json) {
    fix_state *st = state;
    switch (type_index) {
    case 0: return fix_echo(st, t, params_json);
    case 1: return fix_upper(st, t, params_json);
    default: return fix_complete(st, t, UVW_ERR_INTERNAL, fix_none, "fixture-old: bad type index");
    }
}

static const fix_task_type_v1_0 fix_old_task_types[] = {
    {
        .struct_size = sizeof(fix_task_type_v1_0),
        .name = "old_echo",
        .params_schema_json = FIX_SCHEMA_ANY_OBJECT,
        .max_concurrency = 0,
        .flags = 0,
    },
    {
        .struct_size = sizeof(fix_task_type_v1_0),
        .name = "old_upper",
        .params_schema_json = "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},"
                              "\"required\":[\"text\"]}",
        .max_concurrency = 2,
        .flags = 0,
    },
};

static const fix_plugin_v1_0 fix_old_plugin = {
    .struct_size = sizeof(fix_plugin_v1_0),
    .abi_major = UVW_ABI_MAJOR,
    .abi_minor_required = 0,
    .name = FIX_NAME,
    .version = "1.0.0",
    .description = "Loader test fixture built against ABI 1.0.",
    .runtime = UVW_RUNTIME_C,
    .task_type_count = sizeof fix_old_task_types / sizeof fix_old_task_types[0],
    .task_types = fix_old_task_types,
    .init = fix_init,
    .shutdown = fix_shutdown,
    .execute = fix_old_execute,
};

static const uvw_plugin_v1 *fix_descriptor(void) {
    return (const uvw_plugin_v1 *)(const void *)&fix_old_plugin;
}
#endif /* UVW_FIX_OLDER_MINOR */

/* ---------------------------------------------------------------------------------------------
 * The export
 * ------------------------------------------------------------------------------------------- */
#if defined(UVW_FIX_NO_ENTRY)
/* A near miss: the right descriptor under the wrong name. The host must not find it. */
UVW_EXPORT const uvw_plugin_v1 *uvw_plugin_entry(void);
UVW_EXPORT const uvw_plugin_v1 *uvw_plugin_entry(void) {
    return fix_descriptor();
}
#else
UVW_EXPORT const uvw_plugin_v1 *uvw_plugin_entry_v1(void);
UVW_EXPORT const uvw_plugin_v1 *uvw_plugin_entry_v1(void) {
    return fix_descriptor();
}
#endif
