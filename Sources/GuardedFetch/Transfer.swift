import CCurl

/// curl_global_init, once per process, before the first handle (it loads libcurl lazily).
enum CurlGlobal {
    private static let once: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    static func initialize() { once }
}

/// One HTTP exchange through libcurl on the calling thread: no redirect following (the `Fetcher`
/// does that, to count hops and strip credentials), the SSRF guard on every socket, the byte cap in
/// the write callback.
struct Transfer {
    struct Outcome {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        /// Where a 3xx's Location points, made absolute by libcurl (nil without a Location).
        var redirectURL: String?
        func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    }

    enum Result {
        case response(Outcome)
        /// `retryable`: the connection broke after it was made (reset, nothing received).
        case failure(FetchError, retryable: Bool)
    }

    var url: ParsedURL
    var method: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]?
    var userAgent: String
    var maxBytes: Int
    var truncateAtMaxBytes: Bool
    var connectTimeout: Duration
    var timeout: Duration
    var allow: AllowList
    var shouldStop: @Sendable () -> Bool

    /// What the C callbacks reach through their user pointer; lives for one `perform`, on one thread.
    private final class State {
        let allow: AllowList
        let urlHost: String
        let maxBytes: Int
        let truncate: Bool
        let isHead: Bool
        let shouldStop: @Sendable () -> Bool
        var blockedAddress: String?
        var dialledAllowed = false
        var headers: [(name: String, value: String)] = []
        var body: [UInt8] = []
        var tooLarge = false
        var truncated = false
        var stopped = false

        init(_ transfer: Transfer) {
            allow = transfer.allow
            urlHost = transfer.url.host
            maxBytes = transfer.maxBytes
            truncate = transfer.truncateAtMaxBytes
            isHead = transfer.method.uppercased() == "HEAD"
            shouldStop = transfer.shouldStop
        }
    }

    func perform() -> Result {
        CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            let why = uvw_curl_load_error().map { String(cString: $0) } ?? "curl_easy_init failed"
            return .failure(FetchError(.connectionFailed, "libcurl unavailable: \(why)"), retryable: false)
        }
        defer { curl_easy_cleanup(handle) }
        let state = State(self)
        let user = Unmanaged.passUnretained(state).toOpaque()
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        for header in headers { list = curl_slist_append(list, "\(header.name): \(header.value)") }
        // No "Expect: 100-continue" round trip for large bodies.
        list = curl_slist_append(list, "Expect:")
        let callerSetsAgent = headers.contains { $0.name.lowercased() == "user-agent" }

        uvw_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        uvw_curl_set_pointer(handle, CURLOPT_URL, url.url)
        // http and https only, for this request and (belt and braces, since we do not follow) redirects.
        uvw_curl_set_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        uvw_curl_set_pointer(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        uvw_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        // A proxy from the environment would make the guard check the proxy's address, not the target's.
        uvw_curl_set_pointer(handle, CURLOPT_PROXY, "")
        uvw_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        uvw_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(max(1, min(connectTimeout, timeout).milliseconds)))
        uvw_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(max(1, timeout.milliseconds)))
        // "" = every encoding this libcurl decodes; the write callback then counts decoded bytes (gzip bombs).
        uvw_curl_set_pointer(handle, CURLOPT_ACCEPT_ENCODING, "")
        if !callerSetsAgent { uvw_curl_set_pointer(handle, CURLOPT_USERAGENT, userAgent) }
        uvw_curl_set_pointer(handle, CURLOPT_HTTPHEADER, list)

        uvw_curl_set_opensocket(handle, { user, _, address in
            let state = Unmanaged<State>.fromOpaque(user!).takeUnretainedValue()
            guard let address else { return CURL_SOCKET_BAD }
            var bytes = [UInt8](repeating: 0, count: 16)
            var port: Int32 = 0
            let length = uvw_curl_sockaddr_ip(address, &bytes, &port)
            guard length == 4 || length == 16, let ip = IPAddress(bytes: Array(bytes.prefix(Int(length)))) else {
                state.blockedAddress = "non-IP socket address"
                return CURL_SOCKET_BAD
            }
            // The address actually dialled: covers every redirect hop and DNS rebinding.
            if DestinationGuard.refusal(ip, port: Int(port), host: state.urlHost, allow: state.allow) != nil {
                state.blockedAddress = ip.description
                return CURL_SOCKET_BAD
            }
            state.dialledAllowed = true
            return uvw_curl_open_socket(address)
        }, user)

        uvw_curl_set_header(handle, { data, size, count, user in
            let state = Unmanaged<State>.fromOpaque(user!).takeUnretainedValue()
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self).trimmingASCIIWhitespace()
            if line.hasPrefix("HTTP/") {
                state.headers = []  // a new response (after a 1xx): its headers replace the old
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased().trimmingASCIIWhitespace()
                let value = String(line[line.index(after: colon)...]).trimmingASCIIWhitespace()
                state.headers.append((name, value))
                // Refuse early when the declared length is already over the cap (HEAD has no body).
                if name == "content-length", !state.truncate, !state.isHead, let length = Int(value), length > state.maxBytes {
                    state.tooLarge = true
                    return 0
                }
            }
            return size * count
        }, user)

        uvw_curl_set_write(handle, { data, size, count, user in
            let state = Unmanaged<State>.fromOpaque(user!).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            if state.body.count + bytes.count > state.maxBytes {
                if state.truncate {
                    state.body.append(contentsOf: bytes.prefix(state.maxBytes - state.body.count))
                    state.truncated = true
                } else {
                    state.tooLarge = true
                }
                return 0  // aborts the transfer (CURLE_WRITE_ERROR)
            }
            state.body.append(contentsOf: bytes)
            return size * count
        }, user)

        uvw_curl_set_progress(handle, { user, _, _, _, _ in
            let state = Unmanaged<State>.fromOpaque(user!).takeUnretainedValue()
            if state.shouldStop() {
                state.stopped = true
                return 1
            }
            return 0
        }, user)

        let upper = method.uppercased()
        let code: CURLcode
        if upper == "GET" && body == nil {
            uvw_curl_set_long(handle, CURLOPT_HTTPGET, 1)
            code = curl_easy_perform(handle)
        } else if upper == "HEAD" && body == nil {
            uvw_curl_set_long(handle, CURLOPT_NOBODY, 1)
            code = curl_easy_perform(handle)
        } else if body != nil || upper == "POST" {
            // POSTFIELDS is not copied: the bytes stay alive through perform. One spare byte so an
            // empty body still has an address.
            let bytes = (body ?? []) + [0]
            code = bytes.withUnsafeBytes { buffer in
                uvw_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, buffer.count - 1)
                uvw_curl_set_pointer(handle, CURLOPT_POSTFIELDS, buffer.baseAddress)
                if upper != "POST" { uvw_curl_set_pointer(handle, CURLOPT_CUSTOMREQUEST, method) }
                return curl_easy_perform(handle)
            }
        } else {
            uvw_curl_set_pointer(handle, CURLOPT_CUSTOMREQUEST, method)
            code = curl_easy_perform(handle)
        }
        withExtendedLifetime(state) {}

        let curlMessage: String = {
            let text = String(cString: errorBuffer)
            return text.isEmpty ? String(cString: curl_easy_strerror(code)) : text
        }()
        if state.stopped { return .failure(FetchError(.cancelled, "stopped by the caller"), retryable: false) }
        if state.tooLarge { return .failure(FetchError(.tooLarge, "more than \(maxBytes) bytes"), retryable: false) }
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && state.truncated) {
            return .response(Outcome(status: Int(uvw_curl_response_code(handle)), headers: state.headers, body: state.body,
                                     redirectURL: uvw_curl_info_string(handle, CURLINFO_REDIRECT_URL).map { String(cString: $0) }))
        }
        if let address = state.blockedAddress, !state.dialledAllowed {
            // Name the address refused, never the allowlist.
            return .failure(FetchError(.blockedAddress, address), retryable: false)
        }
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(FetchError(.timeout, curlMessage), retryable: false)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .failure(FetchError(.invalidURL, curlMessage), retryable: false)
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING:
            return .failure(FetchError(.connectionFailed, curlMessage), retryable: true)
        default:
            return .failure(FetchError(.connectionFailed, curlMessage), retryable: false)
        }
    }
}
