import Testing
@testable import GuardedFetch

/// Redirects followed by the fetcher itself: counted, resolved, methods rewritten, credentials dropped.
struct RedirectTests {
    @Test func countsRedirects() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: server.policy)
        let five = try fetcher.fetch(FetchRequest(url: server.base + "/chain/5"))
        #expect(five.status == 200 && five.redirects.count == 5)
        #expect(five.finalURL == server.base + "/chain/0")
        #expect(five.url == server.base + "/chain/5")
        let error = fetchError(fetcher, server.base + "/chain/6")
        #expect(error?.code == .tooManyRedirects)
        #expect(error?.description.hasPrefix("too_many_redirects: more than 5 redirects") == true)
        var request = FetchRequest(url: server.base + "/chain/2")
        request.maxRedirects = 1
        #expect(fetchError(fetcher, request)?.code == .tooManyRedirects)
    }

    @Test func rewritesMethods() throws {
        let server = try TestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: server.policy)
        func post(_ code: Int) throws -> FetchResponse {
            var request = FetchRequest(url: server.base + "/redirect?code=\(code)&to=/echo", method: "POST",
                                       headers: [("Content-Type", "text/plain")], body: Array("payload".utf8))
            request.timeout = .seconds(10)
            return try fetcher.fetch(request)
        }
        for code in [301, 302, 303] {
            let response = try post(code)
            #expect(echoField(response, "method") == "GET", "\(code)")
            #expect(echoField(response, "body") == "", "\(code)")
            #expect(echoHeaders(response)["content-type"] == nil, "\(code)")
        }
        for code in [307, 308] {
            let response = try post(code)
            #expect(echoField(response, "method") == "POST", "\(code)")
            #expect(echoField(response, "body") == "payload", "\(code)")
        }
        // PUT through a 302 keeps its method; through a 303 it becomes GET.
        let put302 = try fetcher.fetch(FetchRequest(url: server.base + "/redirect?code=302&to=/echo", method: "PUT", body: [1]))
        #expect(echoField(put302, "method") == "PUT")
        let put303 = try fetcher.fetch(FetchRequest(url: server.base + "/redirect?code=303&to=/echo", method: "PUT", body: [1]))
        #expect(echoField(put303, "method") == "GET")
    }

    @Test func dropsCredentialsAcrossOrigins() throws {
        let server = try TestServer()
        defer { server.stop() }
        // localhost resolves to ::1 and 127.0.0.1: both allowed here, so the cross-origin hop can be observed.
        let fetcher = Fetcher(policy: FetchPolicy(allowList: "127.0.0.1:\(server.port), localhost:\(server.port)"))
        let headers: [(name: String, value: String)] = [
            ("Authorization", "Bearer secret"), ("Cookie", "a=b"), ("Proxy-Authorization", "Basic x"), ("X-Keep", "yes"),
        ]
        let same = try fetcher.fetch(FetchRequest(url: server.base + "/redirect?to=/echo", headers: headers))
        #expect(echoHeaders(same)["authorization"] == "Bearer secret")
        #expect(echoHeaders(same)["cookie"] == "a=b")

        let crossURL = server.base + "/redirect?to=http://localhost:\(server.port)/echo"
        let cross = try fetcher.fetch(FetchRequest(url: crossURL, headers: headers))
        let seen = echoHeaders(cross)
        #expect(cross.finalURL == "http://localhost:\(server.port)/echo")
        #expect(seen["authorization"] == nil && seen["cookie"] == nil && seen["proxy-authorization"] == nil)
        #expect(seen["x-keep"] == "yes")
        #expect(seen["host"] == "localhost:\(server.port)")
    }
}
