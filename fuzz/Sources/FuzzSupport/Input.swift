/// Decoding of fuzzer input shared by the targets.

/// Little-endian bytes and LEB128-style numbers from the fuzzer's input, zero once it runs out.
public struct Input {
    public let bytes: UnsafeBufferPointer<UInt8>
    public var position = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    public var atEnd: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func number() -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            let next = byte()
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 || atEnd { break }
            shift += 7
        }
        return value
    }
}
