import Foundation
import Testing
import UvianHost

/// Webhook and control-channel signatures must be the HMAC-SHA256 every receiver computes: the
/// RFC 4231 vectors, and Python's `hmac` on seeded random keys and messages around the block size.
@Suite struct MessageSignatureTests {
    private func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
    }

    @Test func matchesRFC4231() {
        // Test case 1: 20-byte key of 0x0b, "Hi There".
        #expect(MessageSignature.sign(Array("Hi There".utf8), key: [UInt8](repeating: 0x0b, count: 20))
                == "sha256=b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        // Test case 2: a key shorter than the output.
        #expect(MessageSignature.sign(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
                == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a 131-byte key, longer than the block, is hashed first.
        #expect(MessageSignature.sign(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                                      key: [UInt8](repeating: 0xaa, count: 131))
                == "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func verifiesOnlyTheRightSignature() {
        let key = Array("secret".utf8), body = Array(#"{"event":"task.completed"}"#.utf8)
        let signature = MessageSignature.sign(body, key: key)
        #expect(MessageSignature.verify(signature, message: body, key: key))
        #expect(MessageSignature.verify(signature.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), message: body, key: key))
        #expect(!MessageSignature.verify(signature, message: body + [0x20], key: key))
        #expect(!MessageSignature.verify(signature, message: body, key: Array("secreT".utf8)))
        for wrong in [String(signature.dropLast()), signature + "0", "sha1=" + signature.dropFirst(7), String(signature.dropFirst(7)),
                      "sha256=" + String(repeating: "z", count: 64), "sha256=", ""] {
            #expect(!MessageSignature.verify(wrong, message: body, key: key), "\(wrong)")
        }
    }

    @Test func agreesWithPythonsHmac() async throws {
        var random = TestSeed.generator(for: "MessageSignatureTests")
        let seed = random.seed
        var cases: [(key: [UInt8], message: [UInt8])] = []
        for length in [0, 1, 55, 63, 64, 65, 127, 128, 129, 1000] {
            let keyLength = Int.random(in: 0...150, using: &random)
            cases.append(((0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &random) },
                          (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }))
        }
        let lines = cases.map { "\(FileDigest.hex($0.key)) \(FileDigest.hex($0.message))" }.joined(separator: "\n")
        let script = """
        import hashlib, hmac, sys
        for line in sys.argv[1].split("\\n"):
            key, message = (bytes.fromhex(part) for part in (line.split(" ") + [""])[:2])
            print("sha256=" + hmac.new(key, message, hashlib.sha256).hexdigest())
        """
        let result = try await Subprocess.run("/usr/bin/env", ["python3", "-c", script, lines])
        let expected = result.stdout.split(separator: "\n").map(String.init)
        #expect(expected.count == cases.count, "seed \(seed)")
        for (index, signature) in expected.enumerated() where index < cases.count {
            #expect(MessageSignature.sign(cases[index].message, key: cases[index].key) == signature, "seed \(seed), case \(index)")
        }
    }
}
