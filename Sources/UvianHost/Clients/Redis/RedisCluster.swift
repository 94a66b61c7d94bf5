import Foundation

/// What a client needs of Redis Cluster when all its keys share one hash tag (the queue's keys
/// do: the worker refuses a prefix without one on a cluster): the slot they hash to, where that
/// slot's master is (`CLUSTER SLOTS`), and what a `MOVED` or `ASK` redirection says.
package enum RedisCluster {
    /// The key's slot: CRC16 (XMODEM) of its hash tag (the text between the first `{` and the
    /// next `}`, when not empty), else of the whole key, modulo 16384 — as Redis computes it.
    package static func slot(of key: String) -> Int {
        var bytes = Array(key.utf8)
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
           let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 {
            bytes = Array(bytes[(open + 1)..<close])
        }
        return Int(crc16(bytes) % 16384)
    }

    /// The hash tag of a key, if it has one.
    package static func hashTag(of key: String) -> String? {
        guard let open = key.firstIndex(of: "{"), let close = key[key.index(after: open)...].firstIndex(of: "}"),
              close > key.index(after: open) else { return nil }
        return String(key[key.index(after: open)..<close])
    }

    static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }

    /// A redirection: `MOVED <slot> <host>:<port>` (the slot lives there now) or `ASK <slot>
    /// <host>:<port>` (this once, while the slot migrates).
    struct Redirect {
        let ask: Bool
        let host: String
        let port: Int
    }

    static func redirect(in reply: RedisReply) -> Redirect? {
        guard case .error(let message) = reply else { return nil }
        let parts = message.split(separator: " ")
        guard parts.count == 3, parts[0] == "MOVED" || parts[0] == "ASK" else { return nil }
        let address = parts[2]
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        return Redirect(ask: parts[0] == "ASK", host: String(address[..<colon]), port: port)
    }

    /// The master serving `slot`, and every node the reply names, from `CLUSTER SLOTS`.
    static func master(of slot: Int, in reply: RedisReply) -> (master: (host: String, port: Int)?, nodes: [(host: String, port: Int)]) {
        var master: (String, Int)?
        var nodes: [(String, Int)] = []
        for range in reply.array ?? [] {
            guard let items = range.array, items.count >= 3, let low = items[0].integer, let high = items[1].integer else { continue }
            for (index, node) in items.dropFirst(2).enumerated() {
                guard let fields = node.array, fields.count >= 2, let host = fields[0].string, let port = fields[1].integer else { continue }
                nodes.append((host, Int(port)))
                if index == 0, (low...high).contains(Int64(slot)) { master = (host, Int(port)) }
            }
        }
        return (master, nodes)
    }
}
