import Testing
@testable import Vader

/// Expected values are CPython's `round(x, n)`: the exact binary value rounded, ties to even.
@Suite struct PythonRoundingTests {
    @Test(arguments: [
        (0.0055, 0.005),   // stored just below the half: (x * 1000).rounded() would give 0.006
        (0.9335, 0.933),
        (0.0625, 0.062),   // an exact tie goes to even
        (0.1875, 0.188),
        (0.0015, 0.002),
        (0.2345, 0.234),
        (0.12345, 0.123),
        (1.0, 1.0),
        (0.0, 0.0),
        (0.746, 0.746),
        (-0.0625, -0.062),
    ])
    func threeDigits(_ value: Double, _ expected: Double) {
        #expect(PythonRounding.round(value, digits: 3) == expected)
    }

    @Test(arguments: [
        (0.00035, 0.0003),
        (0.99935, 0.9993),
        (0.12345, 0.1235),
        (1.00005, 1.0001),
        (0.00005, 0.0001),
        (-0.7424, -0.7424),
        (0.0625, 0.0625),
    ])
    func fourDigits(_ value: Double, _ expected: Double) {
        #expect(PythonRounding.round(value, digits: 4) == expected)
    }

    @Test func keepsTheSignOfZero() {
        let rounded = PythonRounding.round(-0.00004, digits: 4)
        #expect(rounded == 0 && rounded.sign == .minus)
    }

    @Test func subnormalsRoundToZero() {
        #expect(PythonRounding.round(Double.leastNonzeroMagnitude, digits: 4) == 0)
    }
}
