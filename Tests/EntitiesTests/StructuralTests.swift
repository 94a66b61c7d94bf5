import Testing
@testable import Entities

/// EMAIL, URL, IP, PHONE: the regular grammars, with no data files needed.
@Suite struct StructuralTests {
    let r = Fixtures.grammarOnly

    @Test func emails() {
        let e = r.entities(in: "Write to jane.doe+news@mail.example.co.uk. Not: john..x@example.com or a@b.")
        #expect(pairs(e).contains("jane.doe+news@mail.example.co.uk|EMAIL"))
        #expect(!e.contains { $0.type == .email && $0.text.contains("..") })
        #expect(!e.contains { $0.text == "a@b" })
    }

    @Test func urlsTrimLikeLinkifiers() {
        let text = "See https://en.wikipedia.org/wiki/Foo_(bar), (or www.example.com/a?q=1). Then ftp://ftp.debian.org/debian/!"
        let urls = r.entities(in: text).filter { $0.type == .url }.map(\.text)
        #expect(urls == ["https://en.wikipedia.org/wiki/Foo_(bar)", "www.example.com/a?q=1", "ftp://ftp.debian.org/debian/"])
    }

    @Test func urlContainingEmailIsOneURL() {
        let e = r.entities(in: "Login at https://user@example.com/path now")
        #expect(pairs(e) == ["https://user@example.com/path|URL"])
    }

    @Test func ipv4() {
        let e = r.entities(in: "Hosts 10.0.0.1, 192.168.001.1, 256.1.1.1, 1.2.3 and 1.2.3.4.5; gateway 8.8.8.8.")
        #expect(e.filter { $0.type == .ip }.map(\.text) == ["10.0.0.1", "8.8.8.8"])
    }

    @Test func ipv6() {
        let text = "Use 2001:db8::1, fe80::1%eth0, ::ffff:192.0.2.128 and 2001:0db8:0000:0000:0000:ff00:0042:8329; not 10:30:00 or 1:2:3::4::5 or std::vector."
        let ips = r.entities(in: text).filter { $0.type == .ip }.map(\.text)
        #expect(ips == ["2001:db8::1", "fe80::1", "::ffff:192.0.2.128", "2001:0db8:0000:0000:0000:ff00:0042:8329"])
    }

    @Test func phones() {
        let text = "Call +14155552671, +44 20 7946 0958, (415) 555-2671, 415-555-2671, 415.555.2671 or 020 7946 0958."
        let phones = r.entities(in: text).filter { $0.type == .phone }.map(\.text)
        #expect(phones == ["+14155552671", "+44 20 7946 0958", "(415) 555-2671", "415-555-2671", "415.555.2671", "020 7946 0958"])
    }

    @Test func phonesAvoidDatesYearsAndNumbers() {
        let e = r.entities(in: "On 2024-03-05 (05/03/2024) in 2024, 4155552671 people paid 1,000,000 and 12.05.2024.")
        #expect(!e.contains { $0.type == .phone })
    }
}
