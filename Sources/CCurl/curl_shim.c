#include "uvw_curl.h"

/* The library's curl_easy_setopt / curl_easy_getinfo, resolved by curl_loader.c. */
extern __attribute__((visibility("hidden"))) __typeof__(&curl_easy_setopt) uvw_p_curl_easy_setopt;
extern __attribute__((visibility("hidden"))) __typeof__(&curl_easy_getinfo) uvw_p_curl_easy_getinfo;
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_setopt uvw_p_curl_easy_setopt
#define curl_easy_getinfo uvw_p_curl_easy_getinfo

CURLcode uvw_curl_set_long(CURL *handle, CURLoption option, long value) { return curl_easy_setopt(handle, option, value); }

CURLcode uvw_curl_set_pointer(CURL *handle, CURLoption option, const void *value) { return curl_easy_setopt(handle, option, value); }

CURLcode uvw_curl_set_write(CURL *handle, uvw_curl_data_fn fn, void *user) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, fn);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_WRITEDATA, user);
}

CURLcode uvw_curl_set_header(CURL *handle, uvw_curl_data_fn fn, void *user) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, fn);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_HEADERDATA, user);
}

CURLcode uvw_curl_set_progress(CURL *handle, uvw_curl_progress_fn fn, void *user) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, fn);
    if (code == CURLE_OK) code = curl_easy_setopt(handle, CURLOPT_XFERINFODATA, user);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
}

long uvw_curl_response_code(CURL *handle) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}
