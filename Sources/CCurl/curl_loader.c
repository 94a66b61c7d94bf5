/* libcurl loaded on first use (see uvw_lazy_library.h): libcurl.so.4 and what it pulls in
 * (OpenSSL, GnuTLS via rtmp/ldap, Kerberos, LDAP, ssh2, nghttp2...) are dlopen'ed by the first
 * transfer, not when the plugin is loaded. The curl_* functions the plugin calls are defined here
 * and forward to the library. */
#include "uvw_curl.h"
#include "uvw_lazy_library.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define UVW_CURL_FUNCTIONS(X) \
    X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_perform) X(curl_easy_strerror) \
    X(curl_easy_setopt) X(curl_easy_getinfo) X(curl_slist_append) X(curl_slist_free_all) \
    X(curl_url) X(curl_url_cleanup) X(curl_url_set) X(curl_url_get) X(curl_free)

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

/* --- Added for GuardedFetch: libcurl's URL parser (so URLs are read exactly as the transfer reads
 * them), and the socket guard's helpers. --- */
HIDDEN CURLU *curl_url(void) { return uvw_curl_load_error() ? NULL : p_curl_url(); }
HIDDEN void curl_url_cleanup(CURLU *handle) { if (p_curl_url_cleanup) p_curl_url_cleanup(handle); }
HIDDEN CURLUcode curl_url_set(CURLU *handle, CURLUPart what, const char *part, unsigned int flags) {
    return p_curl_url_set ? p_curl_url_set(handle, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}
HIDDEN CURLUcode curl_url_get(CURLU *handle, CURLUPart what, char **part, unsigned int flags) {
    return p_curl_url_get ? p_curl_url_get(handle, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}
HIDDEN void curl_free(void *pointer) { if (p_curl_free) p_curl_free(pointer); }

CURLcode uvw_curl_set_opensocket(CURL *handle, uvw_curl_opensocket_fn fn, void *user) {
    CURLcode code = p_curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, fn);
    return code != CURLE_OK ? code : p_curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, user);
}

int uvw_curl_sockaddr_ip(const struct curl_sockaddr *address, unsigned char bytes[16], int *port) {
    /* curl_sockaddr.addr is declared as a struct sockaddr but holds the whole sockaddr_in6 for IPv6. */
    if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&address->addr;
        memcpy(bytes, &in->sin_addr, 4);
        *port = ntohs(in->sin_port);
        return 4;
    }
    if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&address->addr;
        memcpy(bytes, &in6->sin6_addr, 16);
        *port = ntohs(in6->sin6_port);
        return 16;
    }
    return 0;
}

curl_socket_t uvw_curl_open_socket(const struct curl_sockaddr *address) {
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

const char *uvw_curl_info_string(CURL *handle, CURLINFO info) {
    char *value = NULL;
    return p_curl_easy_getinfo(handle, info, &value) == CURLE_OK ? value : NULL;
}
