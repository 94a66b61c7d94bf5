/* libcurl loaded on first use: libcurl.so.4 and what it pulls in (OpenSSL, GnuTLS via rtmp/ldap,
 * Kerberos, LDAP, ssh2, nghttp2...) are dlopen'ed by the first transfer, not when the plugin
 * is loaded. The curl_* functions the plugin calls are defined here and forward to the library. */
#include "uvw_curl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define UVW_CURL_FUNCTIONS(X) \
    X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_perform) X(curl_easy_strerror) \
    X(curl_easy_setopt) X(curl_easy_getinfo) X(curl_slist_append) X(curl_slist_free_all)

#define UVW_DECLARE(name) __attribute__((visibility("hidden"))) __typeof__(&name) uvw_p_##name;
UVW_CURL_FUNCTIONS(UVW_DECLARE)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *load_error = "libcurl.so.4 not loaded";
static char load_error_text[512];

static void load(void) {
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error_text, sizeof load_error_text, "%s", dlerror());
        load_error = load_error_text;
        return;
    }
#define UVW_RESOLVE(name) \
    if (!(uvw_p_##name = (__typeof__(&name))dlsym(lib, #name))) { load_error = "libcurl.so.4 lacks " #name; return; }
    UVW_CURL_FUNCTIONS(UVW_RESOLVE)
    load_error = NULL;
}

const char *uvw_curl_load_error(void) {
    pthread_once(&once, load);
    return load_error;
}

/* curl_global_init loads the library (the plugin calls it before any other curl function). */
#define HIDDEN __attribute__((visibility("hidden")))
HIDDEN CURLcode curl_global_init(long flags) { return uvw_curl_load_error() ? CURLE_FAILED_INIT : uvw_p_curl_global_init(flags); }
HIDDEN CURL *curl_easy_init(void) { return uvw_curl_load_error() ? NULL : uvw_p_curl_easy_init(); }
HIDDEN void curl_easy_cleanup(CURL *handle) { if (uvw_p_curl_easy_cleanup) uvw_p_curl_easy_cleanup(handle); }
HIDDEN CURLcode curl_easy_perform(CURL *handle) { return uvw_p_curl_easy_perform ? uvw_p_curl_easy_perform(handle) : CURLE_FAILED_INIT; }
HIDDEN const char *curl_easy_strerror(CURLcode code) {
    return uvw_p_curl_easy_strerror ? uvw_p_curl_easy_strerror(code) : (load_error ? load_error : "libcurl not loaded");
}
HIDDEN struct curl_slist *curl_slist_append(struct curl_slist *list, const char *string) {
    return uvw_curl_load_error() ? NULL : uvw_p_curl_slist_append(list, string);
}
HIDDEN void curl_slist_free_all(struct curl_slist *list) { if (uvw_p_curl_slist_free_all) uvw_p_curl_slist_free_all(list); }
