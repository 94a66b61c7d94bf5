import Testing

/// Checks `condition` up to `times` times, `interval` apart, stopping at the first time it holds,
/// and fails the test (at the caller's line) when it never does. (A `for _ in 0..<n where …` loop
/// goes on evaluating it n times after it held: with a store read or an HTTP request as the
/// condition, that stalled tests on a loaded machine.)
func poll(_ times: Int, every interval: Duration, _ what: @autoclosure () -> String = "the condition",
          sourceLocation: SourceLocation = #_sourceLocation, until condition: () async throws -> Bool) async throws {
    for attempt in 0..<times {
        if try await condition() { return }
        if attempt + 1 < times { try await Task.sleep(for: interval) }
    }
    Issue.record("\(what()) did not hold within \(times) checks \(interval) apart", sourceLocation: sourceLocation)
}
