/// Splits a `text/event-stream` body into the `data:` payloads of its events, however the bytes
/// arrive: an event may span chunks, and one chunk may hold many events.
struct SSEParser {
    private var buffer: [UInt8] = []
    private var data: [String] = []

    /// Feeds bytes; returns the data of each event completed by them.
    mutating func feed(_ bytes: ArraySlice<UInt8>) -> [String] {
        buffer.append(contentsOf: bytes)
        var events: [String] = []
        var start = 0
        while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = buffer[start..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            start = newline + 1
            if line.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                data = []
            } else if line.starts(with: Array("data:".utf8)) {
                var value = line.dropFirst(5)
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                data.append(String(decoding: value, as: UTF8.self))
            }
            // Comments (":"), `event:`, `id:` and `retry:` lines carry nothing chat needs.
        }
        buffer.removeFirst(start)
        return events
    }
}
