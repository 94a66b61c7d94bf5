import Foundation
import Testing
import UvianHost

/// Plugin generations are named by the SHA-256 of their file: the digest must be the standard
/// one at every length around the block boundaries, not only for whole files.
@Suite struct FileDigestTests {
    @Test func matchesTheStandardVectors() {
        #expect(FileDigest.sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(FileDigest.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(FileDigest.sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(FileDigest.sha256Hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func agreesWithSha256sumAroundTheBlockBoundaries() async throws {
        let dir = TestPaths.temporaryDirectory("sha256")
        for length in [55, 56, 63, 64, 65, 119, 120, 128, 1000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let path = dir + "/f\(length)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let result = try await Subprocess.run("/usr/bin/env", ["sha256sum", path])
            let expected = String(result.stdout.prefix(64))
            #expect(FileDigest.sha256Hex(bytes) == expected, "length \(length)")
            #expect(FileDigest.sha256Hex(try Data(contentsOf: URL(fileURLWithPath: path))) == expected, "length \(length), as Data")
        }
    }
}
