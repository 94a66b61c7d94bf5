/// Encodes `Encodable` types into a `JSONValue` (and so into the one writer's text), for results
/// and requests that plugins build as Swift types.
///
/// Integers and floating-point numbers become JSON numbers (non-finite ones `null`, as
/// `serialized()` writes them), `nil` optionals are left out of objects as `JSONEncoder` does, and
/// a `JSONValue` inside a type is taken as it is.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let value = value as? JSONValue { return value }
        let root = Slot()
        try value.encode(to: ValueEncoder(slot: root, codingPath: []))
        return root.resolved
    }

    /// The value's compact JSON text, object keys sorted.
    public func encodeBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        try encode(value).serializedBytes()
    }
}

/// Where one encoded value is built. Containers are reference types because Codable hands out a
/// nested container before the values in it are encoded.
private final class Slot {
    enum Content {
        case empty
        case value(JSONValue)
        case array(ArrayStorage)
        case object(ObjectStorage)
    }
    var content: Content = .empty

    var resolved: JSONValue {
        switch content {
        case .empty: .object([:])  // encoded nothing at all: JSONEncoder writes {} too
        case .value(let value): value
        case .array(let storage): .array(storage.slots.map(\.resolved))
        case .object(let storage): .object(storage.slots.mapValues(\.resolved))
        }
    }

    func objectStorage() -> ObjectStorage {
        if case .object(let storage) = content { return storage }
        let storage = ObjectStorage()
        content = .object(storage)
        return storage
    }

    func arrayStorage() -> ArrayStorage {
        if case .array(let storage) = content { return storage }
        let storage = ArrayStorage()
        content = .array(storage)
        return storage
    }
}

private final class ArrayStorage {
    var slots: [Slot] = []
    func append() -> Slot {
        let slot = Slot()
        slots.append(slot)
        return slot
    }
}

private final class ObjectStorage {
    var slots: [String: Slot] = [:]
    func slot(_ key: String) -> Slot {
        let slot = Slot()
        slots[key] = slot
        return slot
    }
}

private struct ValueEncoder: Encoder {
    /// Where what is encoded goes.
    let target: Slot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(slot: Slot, codingPath: [any CodingKey]) {
        target = slot
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedContainer<Key>(storage: target.objectStorage(), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedContainer(storage: target.arrayStorage(), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(slot: target, codingPath: codingPath)
    }
}

/// Turns one value into the slot's content: scalars directly, anything else through its `encode(to:)`.
private enum Put {
    static func number(_ value: Double, into slot: Slot) { slot.content = .value(value.isFinite ? .number(value) : .null) }

    static func integer<T: BinaryInteger>(_ value: T, into slot: Slot) { slot.content = .value(.number(Double(value))) }

    static func encodable<T: Encodable>(_ value: T, into slot: Slot, path: [any CodingKey]) throws {
        if let value = value as? JSONValue {
            slot.content = .value(value)
            return
        }
        try value.encode(to: ValueEncoder(slot: slot, codingPath: path))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: ObjectStorage
    let codingPath: [any CodingKey]

    private func slot(_ key: Key) -> Slot { storage.slot(key.stringValue) }

    mutating func encodeNil(forKey key: Key) { slot(key).content = .value(.null) }
    mutating func encode(_ value: Bool, forKey key: Key) { slot(key).content = .value(.bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) { slot(key).content = .value(.string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) { Put.number(value, into: slot(key)) }
    mutating func encode(_ value: Float, forKey key: Key) { Put.number(Double(value), into: slot(key)) }
    mutating func encode(_ value: Int, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode(_ value: Int8, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode(_ value: Int16, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode(_ value: Int32, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode(_ value: Int64, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode(_ value: UInt, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode(_ value: UInt8, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode(_ value: UInt16, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode(_ value: UInt32, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode(_ value: UInt64, forKey key: Key) { Put.integer(value, into: slot(key)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try Put.encodable(value, into: slot(key), path: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedContainer<NestedKey>(storage: slot(key).objectStorage(), codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedContainer(storage: slot(key).arrayStorage(), codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        ValueEncoder(slot: storage.slot("super"), codingPath: codingPath + [JSONCodingKey(stringValue: "super")])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        ValueEncoder(slot: slot(key), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let storage: ArrayStorage
    let codingPath: [any CodingKey]
    var count: Int { storage.slots.count }

    private func next() -> Slot { storage.append() }
    private var nextPath: [any CodingKey] { codingPath + [JSONCodingKey(intValue: count)] }

    mutating func encodeNil() { next().content = .value(.null) }
    mutating func encode(_ value: Bool) { next().content = .value(.bool(value)) }
    mutating func encode(_ value: String) { next().content = .value(.string(value)) }
    mutating func encode(_ value: Double) { Put.number(value, into: next()) }
    mutating func encode(_ value: Float) { Put.number(Double(value), into: next()) }
    mutating func encode(_ value: Int) { Put.integer(value, into: next()) }
    mutating func encode(_ value: Int8) { Put.integer(value, into: next()) }
    mutating func encode(_ value: Int16) { Put.integer(value, into: next()) }
    mutating func encode(_ value: Int32) { Put.integer(value, into: next()) }
    mutating func encode(_ value: Int64) { Put.integer(value, into: next()) }
    mutating func encode(_ value: UInt) { Put.integer(value, into: next()) }
    mutating func encode(_ value: UInt8) { Put.integer(value, into: next()) }
    mutating func encode(_ value: UInt16) { Put.integer(value, into: next()) }
    mutating func encode(_ value: UInt32) { Put.integer(value, into: next()) }
    mutating func encode(_ value: UInt64) { Put.integer(value, into: next()) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath
        try Put.encodable(value, into: next(), path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(storage: next().objectStorage(), codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        return UnkeyedContainer(storage: next().arrayStorage(), codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        return ValueEncoder(slot: next(), codingPath: path)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let slot: Slot
    let codingPath: [any CodingKey]

    mutating func encodeNil() { slot.content = .value(.null) }
    mutating func encode(_ value: Bool) { slot.content = .value(.bool(value)) }
    mutating func encode(_ value: String) { slot.content = .value(.string(value)) }
    mutating func encode(_ value: Double) { Put.number(value, into: slot) }
    mutating func encode(_ value: Float) { Put.number(Double(value), into: slot) }
    mutating func encode(_ value: Int) { Put.integer(value, into: slot) }
    mutating func encode(_ value: Int8) { Put.integer(value, into: slot) }
    mutating func encode(_ value: Int16) { Put.integer(value, into: slot) }
    mutating func encode(_ value: Int32) { Put.integer(value, into: slot) }
    mutating func encode(_ value: Int64) { Put.integer(value, into: slot) }
    mutating func encode(_ value: UInt) { Put.integer(value, into: slot) }
    mutating func encode(_ value: UInt8) { Put.integer(value, into: slot) }
    mutating func encode(_ value: UInt16) { Put.integer(value, into: slot) }
    mutating func encode(_ value: UInt32) { Put.integer(value, into: slot) }
    mutating func encode(_ value: UInt64) { Put.integer(value, into: slot) }
    mutating func encode<T: Encodable>(_ value: T) throws { try Put.encodable(value, into: slot, path: codingPath) }
}
