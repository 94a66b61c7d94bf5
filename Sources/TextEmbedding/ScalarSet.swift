/// A set of Unicode scalar values stored as sorted, disjoint [lower, upper] pairs (the generated tables).
struct ScalarSet: Sendable {
    private let bounds: [UInt32]

    init(ranges bounds: [UInt32]) {
        precondition(bounds.count % 2 == 0, "ranges come in lower, upper pairs")
        self.bounds = bounds
    }

    func contains(_ value: UInt32) -> Bool {
        // Binary search for the last range whose lower bound is <= value.
        var low = 0
        var high = bounds.count / 2
        while low < high {
            let middle = (low + high) / 2
            if bounds[2 * middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low > 0 && value <= bounds[2 * (low - 1) + 1]
    }
}

/// A mapping from one scalar to a short scalar sequence, stored flat as scalar, count, mapped... (the generated tables).
struct ScalarMapping: Sendable {
    private let flat: [UInt32]
    private let index: [UInt32: Range<Int>]

    init(flat: [UInt32]) {
        var index: [UInt32: Range<Int>] = [:]
        var position = 0
        while position < flat.count {
            let count = Int(flat[position + 1])
            index[flat[position]] = (position + 2)..<(position + 2 + count)
            position += 2 + count
        }
        self.flat = flat
        self.index = index
    }

    /// Appends the mapping of `value` to `output`; returns false (appending nothing) if `value` maps to itself.
    func append(_ value: UInt32, to output: inout [UInt32]) -> Bool {
        guard let range = index[value] else { return false }
        output.append(contentsOf: flat[range])
        return true
    }
}
