import Foundation
import Testing
import UvianHost

@Suite struct RandomIdentifierTests {
    @Test func uuidsAreVersion4InFoundationsSpelling() {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = RandomIdentifier.uuid()
            // Foundation reads it back as the same UUID, spelt as UUID().uuidString.lowercased() would be.
            guard let parsed = UUID(uuidString: id) else {
                Issue.record("\(id) is not a UUID")
                return
            }
            #expect(parsed.uuidString.lowercased() == id)
            let bytes = withUnsafeBytes(of: parsed.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 4, "version 4: \(id)")
            #expect(bytes[8] >> 6 == 0b10, "RFC 9562 variant: \(id)")
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
    }

    @Test func leaseTokensAreNeverRepeatedAcrossThreads() async {
        let tokens = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<5_000).map { _ in RandomIdentifier.leaseToken() } }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(Set(tokens).count == 20_000)
    }
}
