/* libcurl for Swift plugins: curl_easy_setopt and curl_easy_getinfo are variadic, which Swift
 * cannot call, so these typed wrappers stand in for the calls the plugins make. */
#ifndef UVW_CURL_H
#define UVW_CURL_H

#include <curl/curl.h>

typedef size_t (*uvw_curl_data_fn)(char *data, size_t size, size_t count, void *user);
typedef int (*uvw_curl_progress_fn)(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

CURLcode uvw_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode uvw_curl_set_pointer(CURL *handle, CURLoption option, const void *value);
/* CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION with their data pointer. */
CURLcode uvw_curl_set_write(CURL *handle, uvw_curl_data_fn fn, void *user);
CURLcode uvw_curl_set_header(CURL *handle, uvw_curl_data_fn fn, void *user);
/* CURLOPT_XFERINFOFUNCTION with its data pointer, and progress turned on: a non-zero return aborts. */
CURLcode uvw_curl_set_progress(CURL *handle, uvw_curl_progress_fn fn, void *user);
long uvw_curl_response_code(CURL *handle);
/* Why libcurl.so.4 could not be loaded (dlerror), or NULL once it is loaded. Loads it if needed. */
const char *uvw_curl_load_error(void);

/* --- Added for GuardedFetch (the SSRF-guarded fetcher); the functions above are unchanged. --- */

/* CURLOPT_OPENSOCKETFUNCTION with CURLOPT_OPENSOCKETDATA: libcurl asks this callback for every socket
 * it dials (redirects and every resolved address included), so the address can be checked there. */
typedef curl_socket_t (*uvw_curl_opensocket_fn)(void *user, curlsocktype purpose, struct curl_sockaddr *address);
CURLcode uvw_curl_set_opensocket(CURL *handle, uvw_curl_opensocket_fn fn, void *user);
/* The IP address and port curl is about to dial: copies the 4 (IPv4) or 16 (IPv6) address bytes
 * into `bytes` and returns 4 or 16; returns 0 for any other family. No libcurl call. */
int uvw_curl_sockaddr_ip(const struct curl_sockaddr *address, unsigned char bytes[16], int *port);
/* The socket libcurl would have opened itself for `address` (close-on-exec). */
curl_socket_t uvw_curl_open_socket(const struct curl_sockaddr *address);
/* curl_easy_getinfo for a string (CURLINFO_EFFECTIVE_URL, CURLINFO_PRIMARY_IP, CURLINFO_REDIRECT_URL):
 * owned by the handle, NULL when unset. */
const char *uvw_curl_info_string(CURL *handle, CURLINFO info);

#endif
