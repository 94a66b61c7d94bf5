/// Weighted PageRank by power iteration, step for step as networkx's `pagerank` (3.x): ranks start at
/// 1/n; each step gives (1 − d)/n to every node, d·rank spread along out-edges in proportion to their
/// weights, and the rank of dangling nodes (no out-weight) spread evenly; it stops when the L1 change is
/// below n·tolerance, or after `maxIterations` steps with the last ranks (where networkx raises).
struct PageRank {
    var damping = 0.85
    var tolerance = 1e-6
    var maxIterations = 100

    /// `weights[i]` lists the edges out of node i as (target, weight > 0).
    func ranks(weights: [[(target: Int, weight: Double)]]) -> [Double] {
        let n = weights.count
        guard n > 0 else { return [] }
        // Row-normalised transitions, as networkx's stochastic_graph.
        let transitions = weights.map { edges -> [(target: Int, weight: Double)] in
            var total = 0.0
            for edge in edges { total += edge.weight }
            return total > 0 ? edges.map { ($0.target, $0.weight / total) } : []
        }
        let uniform = 1 / Double(n)
        var ranks = [Double](repeating: uniform, count: n)
        for _ in 0..<maxIterations {
            var dangling = 0.0
            for node in 0..<n where transitions[node].isEmpty { dangling += ranks[node] }
            let base = damping * dangling * uniform + (1 - damping) * uniform
            var next = [Double](repeating: base, count: n)
            for node in 0..<n {
                let share = damping * ranks[node]
                for edge in transitions[node] { next[edge.target] += share * edge.weight }
            }
            var change = 0.0
            for node in 0..<n { change += abs(next[node] - ranks[node]) }
            ranks = next
            if change < Double(n) * tolerance { break }
        }
        return ranks
    }
}
