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

#endif
