/// Why a `data_processing` job could not produce a result.
///
/// `message` is shown to the API user as is, so it names the offending parameter and index
/// ("data[3] is not a number (found string \"abc\")") rather than describing Swift internals.
/// `isInvalidParams` separates "the request is wrong, fix it" (true) from "the request is
/// well-formed but the result cannot be represented" (false, e.g. a sum beyond ±1.8e308), so
/// the host can report the two differently.
struct DataProcessingError: Error, Sendable, Equatable, CustomStringConvertible {
    let message: String
    let isInvalidParams: Bool

    init(message: String, isInvalidParams: Bool = true) {
        self.message = message
        self.isInvalidParams = isInvalidParams
    }

    var description: String { message }

    // The constructors below keep every user-facing wording in one place, so the docs, the
    // tests and the code cannot drift apart one message at a time.

    static func invalid(_ message: String) -> DataProcessingError {
        DataProcessingError(message: message, isInvalidParams: true)
    }

    /// `path` is "data[3]", "x[0]" or "data[2].value"; `found` is a short description of the
    /// JSON value that was there instead ("string \"abc\"", "boolean true", "null", "object").
    static func notANumber(_ path: String, found: String) -> DataProcessingError {
        .invalid("\(path) is not a number (found \(found))")
    }

    static func missing(_ path: String) -> DataProcessingError {
        .invalid("\(path) is missing")
    }

    static func notAnObject(_ path: String, found: String, because reason: String) -> DataProcessingError {
        .invalid("\(path) is not an object (found \(found)); \(reason)")
    }

    static let dataEmpty = DataProcessingError.invalid("data is empty")

    /// A quantity left the range of a Double. Not an invalid-params error: the input is valid
    /// JSON of the right shape, the answer just does not fit in the result type.
    static func overflow(_ quantity: String) -> DataProcessingError {
        DataProcessingError(message: "the \(quantity) overflows a double", isInvalidParams: false)
    }
}
