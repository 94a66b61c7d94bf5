import CCurl
import Foundation

/// One HTTP request through libcurl, run on the calling thread (a plugin worker thread, which may
/// block). The body can be handed over as it arrives (`onData`, for SSE), and the transfer is
/// aborted as soon as `shouldStop` says so.
struct HTTPTransfer {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    enum Failure: Error {
        /// Connection refused, DNS, TLS, timeout: curl's message (never contains headers).
        case transport(String, timedOut: Bool)
        case stopped
    }

    var method: String
    var url: String
    var headers: [String]
    var body: [UInt8]?
    var timeoutMs: Int
    var connectTimeoutMs: Int

    /// Everything the C callbacks reach, kept alive for the transfer by `perform`.
    private final class State {
        var status = 0
        var headers: [String: String] = [:]
        var body: [UInt8] = []
        var onData: ((ArraySlice<UInt8>) -> Void)?
        var shouldStop: () -> Bool = { false }
        var stopped = false
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Runs the request. With `onData`, a 2xx body goes there chunk by chunk instead of into
    /// `Response.body` (other statuses are still collected, to read their error).
    func perform(onData: ((ArraySlice<UInt8>) -> Void)? = nil, shouldStop: @escaping () -> Bool) throws(Failure) -> Response {
        Self.globalInit
        guard let handle = curl_easy_init() else {
            throw .transport(uvw_curl_load_error().map { String(cString: $0) } ?? "curl_easy_init failed", timedOut: false)
        }
        defer { curl_easy_cleanup(handle) }
        let state = State()
        state.onData = onData
        state.shouldStop = shouldStop
        let user = Unmanaged.passUnretained(state).toOpaque()

        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        let code: CURLcode = url.withCString { urlPointer in
            method.withCString { methodPointer in
                uvw_curl_set_pointer(handle, CURLOPT_URL, urlPointer)
                uvw_curl_set_pointer(handle, CURLOPT_CUSTOMREQUEST, methodPointer)
                uvw_curl_set_pointer(handle, CURLOPT_HTTPHEADER, list)
                uvw_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                uvw_curl_set_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs)
                uvw_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMs)
                uvw_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
                uvw_curl_set_write(handle, { data, size, count, user in
                    let state = Unmanaged<State>.fromOpaque(user!).takeUnretainedValue()
                    let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
                    if let onData = state.onData, (200..<300).contains(state.status) {
                        onData(ArraySlice(bytes))
                    } else {
                        state.body.append(contentsOf: bytes)
                    }
                    return size * count
                }, user)
                uvw_curl_set_header(handle, { data, size, count, user in
                    let state = Unmanaged<State>.fromOpaque(user!).takeUnretainedValue()
                    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    if line.hasPrefix("HTTP/") {
                        // A new response (after 100-continue): its status and headers replace the old.
                        state.status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
                        state.headers = [:]
                    } else if let colon = line.firstIndex(of: ":") {
                        let name = line[..<colon].lowercased()
                        state.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    }
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
                if let body {
                    return body.withUnsafeBytes { buffer in
                        uvw_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, buffer.count)
                        uvw_curl_set_pointer(handle, CURLOPT_POSTFIELDS, buffer.baseAddress)
                        return curl_easy_perform(handle)
                    }
                }
                return curl_easy_perform(handle)
            }
        }
        withExtendedLifetime(state) {}
        if state.stopped { throw .stopped }
        guard code == CURLE_OK else {
            throw .transport(String(cString: curl_easy_strerror(code)), timedOut: code == CURLE_OPERATION_TIMEDOUT)
        }
        return Response(status: Int(uvw_curl_response_code(handle)), headers: state.headers, body: state.body)
    }
}
