import Glibc

/// A byte buffer that streams to a file descriptor. Decimal and padded formatting by hand: at 100k
/// extent lines this is about twice as fast as string interpolation.
struct OutputBuffer {
    private(set) var bytes: [UInt8] = []
    let fd: Int32?
    private static let flushThreshold = 1 << 16

    /// `fd` nil collects everything in memory (tests, golden files).
    init(fd: Int32?) {
        self.fd = fd
        bytes.reserveCapacity(Self.flushThreshold + 4096)
    }

    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
        flushIfFull()
    }

    mutating func write(_ byte: UInt8) {
        bytes.append(byte)
    }

    mutating func write<T: BinaryInteger>(_ value: T) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            writeUnsigned(UInt64(-Int64(value)))
        } else {
            writeUnsigned(UInt64(value))
        }
    }

    mutating func writeUnsigned(_ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest != 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// `value` right-aligned in `width` columns.
    mutating func writePadded(_ value: UInt64, width: Int) {
        var digits = 1
        var rest = value / 10
        while rest != 0 {
            digits += 1
            rest /= 10
        }
        if digits < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - digits)) }
        writeUnsigned(value)
    }

    /// `a`, `b` and `c` right-aligned in `width` columns each, then a newline: one row of the extent
    /// table, written in place (a fragmented file has a million of them). Same bytes as three
    /// `writePadded` calls and `newline`.
    mutating func writeRow(_ a: UInt64, _ b: UInt64, _ c: UInt64, width: Int) {
        // Up to 19 columns (10^19 fits a UInt64, 58 bytes fit the scratch line); wider numbers take the slow path.
        let limit = width <= 19 ? Self.powerOfTen(width) : 0
        guard a < limit, b < limit, c < limit else {
            writePadded(a, width: width)
            writePadded(b, width: width)
            writePadded(c, width: width)
            newline()
            return
        }
        // Formatted in a 64-byte scratch line on the stack, then appended with one copy.
        var line: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
            Self.spaces, Self.spaces, Self.spaces, Self.spaces, Self.spaces, Self.spaces, Self.spaces, Self.spaces
        )
        let length = 3 * width + 1
        withUnsafeMutableBytes(of: &line) { raw in
            Self.digits(a, endingAt: width, in: raw)
            Self.digits(b, endingAt: 2 * width, in: raw)
            Self.digits(c, endingAt: 3 * width, in: raw)
            raw[length - 1] = UInt8(ascii: "\n")
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<length]))
        }
        flushIfFull()
    }

    /// Eight ASCII spaces.
    private static let spaces: UInt64 = 0x2020_2020_2020_2020

    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        var value: UInt64 = 1
        for _ in 0..<exponent { value &*= 10 }
        return value
    }

    /// "00" … "99": two digits per division.
    private static let digitPairs: [UInt8] = {
        var pairs: [UInt8] = []
        for value in 0..<100 {
            pairs.append(UInt8(ascii: "0") + UInt8(value / 10))
            pairs.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        return pairs
    }()

    /// The decimal digits of `value`, right-aligned to end before `end`; the caller has checked that they fit.
    private static func digits(_ value: UInt64, endingAt end: Int, in buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        var index = end
        var rest = value
        digitPairs.withUnsafeBufferPointer { pairs in
            while rest >= 100 {
                let pair = Int(rest % 100) &* 2
                rest /= 100
                index &-= 2
                base.storeBytes(of: pairs[pair], toByteOffset: index, as: UInt8.self)
                base.storeBytes(of: pairs[pair &+ 1], toByteOffset: index &+ 1, as: UInt8.self)
            }
            if rest >= 10 {
                let pair = Int(rest) &* 2
                index &-= 2
                base.storeBytes(of: pairs[pair], toByteOffset: index, as: UInt8.self)
                base.storeBytes(of: pairs[pair &+ 1], toByteOffset: index &+ 1, as: UInt8.self)
            } else {
                base.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest), toByteOffset: index &- 1, as: UInt8.self)
            }
        }
    }

    /// `count` spaces (JSON indentation) without building a string.
    mutating func writeSpaces(_ count: Int) {
        if count > 0 { bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count)) }
    }

    /// Bytes that are already UTF-8 (constant keys and punctuation).
    mutating func write(bytes more: [UInt8]) {
        bytes.append(contentsOf: more)
    }

    mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        flushIfFull()
    }

    mutating func flushIfFull() {
        if fd != nil && bytes.count >= Self.flushThreshold { flush() }
    }

    mutating func flush() {
        guard let fd else { return }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                break  // EPIPE and friends: the reader is gone, nothing sensible to do.
            }
            offset += written
        }
        bytes.removeAll(keepingCapacity: true)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Minimal JSON emission on top of `OutputBuffer`.
struct JSONWriter {
    var out: OutputBuffer
    private var needsComma: [Bool] = []
    private var indent = 0
    private var pendingKey = false

    init(out: OutputBuffer) { self.out = out }

    private mutating func separator() {
        if pendingKey {
            pendingKey = false
            return
        }
        if let last = needsComma.last {
            if last { out.write(UInt8(ascii: ",")) }
            needsComma[needsComma.count - 1] = true
            out.newline()
            out.writeSpaces(2 * indent)
        }
    }

    mutating func beginObject() { separator(); out.write(UInt8(ascii: "{")); needsComma.append(false); indent += 1 }
    mutating func beginArray() { separator(); out.write(UInt8(ascii: "[")); needsComma.append(false); indent += 1 }

    mutating func endObject() { end(UInt8(ascii: "}")) }
    mutating func endArray() { end(UInt8(ascii: "]")) }

    private mutating func end(_ byte: UInt8) {
        let hadItems = needsComma.removeLast()
        indent -= 1
        if hadItems {
            out.newline()
            out.writeSpaces(2 * indent)
        }
        out.write(byte)
    }

    mutating func key(_ name: String) {
        separator()
        string(raw: name)
        out.write(": ")
        pendingKey = true
    }

    mutating func string(_ value: String?) {
        separator()
        guard let value else { out.write("null"); return }
        string(raw: value)
    }

    mutating func number<T: BinaryInteger>(_ value: T?) {
        separator()
        guard let value else { out.write("null"); return }
        out.write(value)
    }

    mutating func bool(_ value: Bool) {
        separator()
        out.write(value ? "true" : "false")
    }

    mutating func null() {
        separator()
        out.write("null")
    }

    /// `{"swapPage": A, "physicalPage": B, "pages": C}` on one line, from constant bytes: a fragmented
    /// file has a million of them.
    mutating func swapExtent(swapPage: UInt64, physicalPage: UInt64, pages: UInt64) {
        separator()
        out.write(bytes: Self.swapPageKey)
        out.writeUnsigned(swapPage)
        out.write(bytes: Self.physicalPageKey)
        out.writeUnsigned(physicalPage)
        out.write(bytes: Self.pagesKey)
        out.writeUnsigned(pages)
        out.write(UInt8(ascii: "}"))
    }

    private static let swapPageKey = Array(#"{"swapPage": "#.utf8)
    private static let physicalPageKey = Array(#", "physicalPage": "#.utf8)
    private static let pagesKey = Array(#", "pages": "#.utf8)

    private mutating func string(raw value: String) {
        out.write(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.write("\\\"")
            case UInt8(ascii: "\\"): out.write("\\\\")
            case 0x0A: out.write("\\n")
            case 0x0D: out.write("\\r")
            case 0x09: out.write("\\t")
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.write("\\u00")
                out.write(hex[Int(byte >> 4)])
                out.write(hex[Int(byte & 0xF)])
            default: out.write(byte)
            }
        }
        out.write(UInt8(ascii: "\""))
    }
}
