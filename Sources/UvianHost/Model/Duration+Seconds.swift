extension Duration {
    /// The duration in seconds, fractions included (leases, deadlines and timings kept as
    /// `Double` seconds since 1970 or as rates).
    package var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
