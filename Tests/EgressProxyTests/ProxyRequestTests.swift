@testable import EgressProxy
import Testing

/// The request heads the egress proxy accepts, and how a plain-HTTP one is rewritten.
@Suite struct ProxyRequestTests {
    func head(_ lines: String...) -> [UInt8] { Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) }

    @Test func connectNamesHostAndPort() throws {
        #expect(try ProxyRequest.parse(head("CONNECT Example.COM:443 HTTP/1.1", "Host: example.com:443"))
                == ProxyRequest(host: "example.com", port: 443, forwardedHead: nil))
        #expect(try ProxyRequest.parse(head("CONNECT [2001:db8::1]:8443 HTTP/1.1")).host == "2001:db8::1")
    }

    @Test func absoluteHTTPIsForwardedInOriginFormWithConnectionClose() throws {
        let request = try ProxyRequest.parse(head("GET http://example.com:8080/a/b?c=d HTTP/1.1", "Host: example.com:8080",
                                                  "Proxy-Connection: keep-alive", "Connection: keep-alive", "Accept: */*",
                                                  "Proxy-Authorization: Basic eA=="))
        #expect(request.host == "example.com" && request.port == 8080)
        #expect(String(decoding: request.forwardedHead ?? [], as: UTF8.self)
                == "GET /a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n")
        let bare = try ProxyRequest.parse(head("POST http://example.com?q HTTP/1.0"))
        #expect(String(decoding: bare.forwardedHead ?? [], as: UTF8.self) == "POST /?q HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
    }

    @Test(arguments: [
        ("GET /relative HTTP/1.1", "only CONNECT and absolute http://"),
        ("GET https://example.com/ HTTP/1.1", "only CONNECT and absolute http://"),
        ("CONNECT example.com HTTP/1.1", "CONNECT needs host:port"),
        ("CONNECT example.com:99999 HTTP/1.1", "bad port"),
        ("CONNECT exa mple.com:80 HTTP/1.1", "malformed request line"),
        ("CONNECT ex%61mple.com:80 HTTP/1.1", "bad host"),
        ("GARBAGE", "malformed request line"),
    ])
    func malformedRequestsAreRefusedWithAReason(line: String, reason: String) {
        #expect(throws: ProxyRequest.Refusal.self) { try ProxyRequest.parse(head(line)) }
        do {
            _ = try ProxyRequest.parse(head(line))
        } catch {
            #expect(error.status == 400 && error.reason.contains(reason), "\(error.reason)")
        }
    }
}
