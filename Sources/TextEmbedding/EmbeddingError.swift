/// Why a model could not be loaded. Every case names the file involved, so a broken install says what to fix.
public enum EmbeddingError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingFile(path: String)
    case cannotOpen(path: String, reason: String)
    case invalidSafeTensors(path: String, reason: String)
    case invalidModel(path: String, reason: String)
    case missingLibrary(name: String, reason: String)

    public var description: String {
        switch self {
        case let .missingFile(path): "model file not found: \(path)"
        case let .cannotOpen(path, reason): "cannot open \(path): \(reason)"
        case let .invalidSafeTensors(path, reason): "invalid safetensors file \(path): \(reason)"
        case let .invalidModel(path, reason): "invalid model in \(path): \(reason)"
        case let .missingLibrary(name, reason): "cannot load \(name): \(reason)"
        }
    }
}
