#include "uvw_curl.h"

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
