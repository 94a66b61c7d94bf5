/// `list.index(value)` for a list whose values change, in O(log n) instead of a scan: for each value,
/// a min-heap of the positions that held it. Entries go stale when a position's value changes and
/// are dropped when they reach the top (a position is valid exactly when it still holds the value),
/// so every position holding a value is always in that value's heap.
struct FirstPositionIndex {
    private var heaps: [UInt64: [Int]] = [:]

    /// 0.0 and -0.0 are equal for `list.index`, so they share a key.
    private static func key(_ value: Double) -> UInt64 { value == 0 ? 0 : value.bitPattern }

    init(_ values: [Double]) {
        // Positions appended in increasing order already form a valid min-heap.
        for (position, value) in values.enumerated() { heaps[Self.key(value), default: []].append(position) }
    }

    /// The first position of `values` holding `value`; `value` must be present.
    mutating func firstPosition(of value: Double, in values: [Double]) -> Int {
        let key = Self.key(value)
        while true {
            let top = heaps[key]![0]
            if values[top] == value { return top }
            Self.popMin(&heaps[key]!)
        }
    }

    /// Records that `position` now holds `value` (its entry under the old value goes stale).
    mutating func record(_ position: Int, holds value: Double) {
        Self.push(position, onto: &heaps[Self.key(value), default: []])
    }

    private static func push(_ element: Int, onto heap: inout [Int]) {
        heap.append(element)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private static func popMin(_ heap: inout [Int]) {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left] < heap[smallest] { smallest = left }
            if right < heap.count, heap[right] < heap[smallest] { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
