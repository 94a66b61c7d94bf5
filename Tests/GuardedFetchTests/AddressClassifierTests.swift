import Testing
@testable import GuardedFetch

/// The SSRF guard's pure classification over address bytes.
struct AddressClassifierTests {
    static let blocked = [
        "0.0.0.0", "0.255.255.255", "10.0.0.1", "10.255.255.255", "100.64.0.0", "100.127.255.255", "127.0.0.1", "127.0.0.2",
        "127.255.255.255", "169.254.169.254", "169.254.0.1", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1",
        "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
        "240.0.0.1", "255.255.255.255",
        "::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::8.8.8.8",
        "64:ff9b:1::1", "2002:c000:204::1", "2002:7f00:1::1", "2001::1", "2001:0:4136:e378::1", "2001:db8::1",
        "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1", "ff0e::1", "100::1",
    ]
    static let allowed = [
        "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
        "169.253.255.255", "172.15.255.255", "172.32.0.0", "192.0.1.1", "192.167.255.255", "192.169.0.0", "198.17.255.255",
        "198.20.0.0", "223.255.255.255", "93.184.216.34",
        "2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450::1", "::ffff:8.8.8.8", "100:0:0:1::1", "2003::1",
    ]

    @Test(arguments: blocked)
    func refusesNonPublic(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressClassifier.blockedRange(address.bytes) != nil, "\(text) should be blocked")
        #expect(!AddressClassifier.isPublic(address.bytes))
    }

    @Test(arguments: allowed)
    func allowsPublic(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressClassifier.blockedRange(address.bytes) == nil, "\(text) should be public")
    }

    @Test func namesTheRange() {
        #expect(AddressClassifier.blockedRange([169, 254, 169, 254])?.hasPrefix("169.254.0.0/16") == true)
        #expect(AddressClassifier.blockedRange([1, 2, 3]) != nil)  // neither 4 nor 16 bytes
    }

    @Test func formatsAndMaps() throws {
        #expect(IPAddress("::ffff:127.0.0.1")?.description == "::ffff:127.0.0.1")
        #expect(IPAddress("::ffff:127.0.0.1")?.mappedIPv4 == IPAddress("127.0.0.1"))
        #expect(IPAddress("127.1") == nil)  // shorthand never reaches the classifier: the dialled address does
        let network = try #require(IPAddress("172.16.0.0"))
        #expect(IPAddress("172.31.1.1")!.hasPrefix(network, length: 12))
        #expect(!IPAddress("172.32.1.1")!.hasPrefix(network, length: 12))
    }
}
