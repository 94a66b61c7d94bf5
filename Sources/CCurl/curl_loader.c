/* libcurl loaded on first use (see uvw_lazy_library.h): libcurl.so.4 and what it pulls in
 * (OpenSSL, GnuTLS via rtmp/ldap, Kerberos, LDAP, ssh2, nghttp2...) are dlopen'ed by the first
 * transfer, not when the plugin is loaded. The curl_* functions the plugin calls are defined here
 * and forward to the library. */
#include "uvw_curl.h"
#include "uvw_lazy_library.h"

#define UVW_CURL_FUNCTIONS(X) \
    X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_perform) X(curl_easy_strerror) \
    X(curl_easy_setopt) X(curl_easy_getinfo) X(curl_slist_append) X(curl_slist_free_all)

UVW_LAZY_LIBRARY_DEFINE(libcurl, "libcurl.so.4", UVW_CURL_FUNCTIONS)

const char *uvw_curl_load_error(void) { return uvw_lazy_library_load(&libcurl); }

/* curl_global_init loads the library (the plugin calls it before any other curl function). */
#define HIDDEN __attribute__((visibility("hidden")))
HIDDEN CURLcode curl_global_init(long flags) { return uvw_curl_load_error() ? CURLE_FAILED_INIT : p_curl_global_init(flags); }
HIDDEN CURL *curl_easy_init(void) { return uvw_curl_load_error() ? NULL : p_curl_easy_init(); }
HIDDEN void curl_easy_cleanup(CURL *handle) { if (p_curl_easy_cleanup) p_curl_easy_cleanup(handle); }
HIDDEN CURLcode curl_easy_perform(CURL *handle) { return p_curl_easy_perform ? p_curl_easy_perform(handle) : CURLE_FAILED_INIT; }
HIDDEN const char *curl_easy_strerror(CURLcode code) {
    return p_curl_easy_strerror ? p_curl_easy_strerror(code) : (libcurl.error ? libcurl.error : "libcurl not loaded");
}
HIDDEN struct curl_slist *curl_slist_append(struct curl_slist *list, const char *string) {
    return uvw_curl_load_error() ? NULL : p_curl_slist_append(list, string);
}
HIDDEN void curl_slist_free_all(struct curl_slist *list) { if (p_curl_slist_free_all) p_curl_slist_free_all(list); }

/* The typed stand-ins for the variadic curl_easy_setopt / curl_easy_getinfo (see uvw_curl.h). */
CURLcode uvw_curl_set_long(CURL *handle, CURLoption option, long value) { return p_curl_easy_setopt(handle, option, value); }

CURLcode uvw_curl_set_pointer(CURL *handle, CURLoption option, const void *value) { return p_curl_easy_setopt(handle, option, value); }

CURLcode uvw_curl_set_write(CURL *handle, uvw_curl_data_fn fn, void *user) {
    CURLcode code = p_curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, fn);
    return code != CURLE_OK ? code : p_curl_easy_setopt(handle, CURLOPT_WRITEDATA, user);
}

CURLcode uvw_curl_set_header(CURL *handle, uvw_curl_data_fn fn, void *user) {
    CURLcode code = p_curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, fn);
    return code != CURLE_OK ? code : p_curl_easy_setopt(handle, CURLOPT_HEADERDATA, user);
}

CURLcode uvw_curl_set_progress(CURL *handle, uvw_curl_progress_fn fn, void *user) {
    CURLcode code = p_curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, fn);
    if (code == CURLE_OK) code = p_curl_easy_setopt(handle, CURLOPT_XFERINFODATA, user);
    return code != CURLE_OK ? code : p_curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
}

long uvw_curl_response_code(CURL *handle) {
    long code = 0;
    p_curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}
