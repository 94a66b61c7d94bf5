/// One band's statistics over every pixel. `stdev` is the population deviation (numpy's default, ddof=0);
/// libvips' own `deviate` column divides by n - 1, so it is recomputed here from the sums.
public struct BandStatistics: Sendable, Equatable {
    public var mean: Double
    public var stdev: Double
    public var min: Double
    public var max: Double
}
