/// Checks `condition` up to `times` times, `interval` apart, stopping at the first time it holds.
/// (A `for _ in 0..<n where …` loop goes on evaluating it n times after it held: with a store
/// read or an HTTP request as the condition, that stalled tests on a loaded machine.)
func poll(_ times: Int, every interval: Duration, until condition: () async throws -> Bool) async throws {
    for _ in 0..<times {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
}
