import Glibc
import SwapInspectCore

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
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        writeUnsigned(UInt64(value.magnitude))
    }

    mutating func writeUnsigned(_ value: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            guard let base = scratch.baseAddress else { return }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: Self.putDecimal(value, at: base)))
        }
    }

    /// Rows formatted straight into a scratch chunk by `format`, which writes at most `maxRowBytes` bytes
    /// at the pointer it is given and returns how many it wrote; the chunk is appended (and flushed) a
    /// chunk at a time. For tables a fragmented file makes a million rows of: one copy per 64 KiB, not per row.
    mutating func writeRows<Rows: Sequence>(
        _ rows: Rows, maxRowBytes: Int, _ format: (Rows.Element, UnsafeMutablePointer<UInt8>) -> Int
    ) {
        let capacity = max(Self.flushThreshold, 4 * maxRowBytes)
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { chunk.deallocate() }
        var used = 0
        for row in rows {
            if capacity - used < maxRowBytes {
                append(chunk, used)
                used = 0
            }
            let written = format(row, chunk + used)
            assert(written <= maxRowBytes, "a row of \(written) bytes overran its bound of \(maxRowBytes)")
            used += written
        }
        append(chunk, used)
    }

    private mutating func append(_ chunk: UnsafeMutablePointer<UInt8>, _ count: Int) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: chunk, count: count))
        flushIfFull()
    }

    /// The most bytes `putRow` writes at `width`: three columns, each `width` wide or a number's 20 digits
    /// when that is wider, and a newline.
    static func maxRowBytes(width: Int) -> Int { 3 * max(width, 20) + 1 }

    /// `a`, `b` and `c` right-aligned in `width` columns each (wider numbers take the room they need),
    /// then a newline, at `out`; returns the bytes written. One row of the extent table.
    @inline(__always)
    static func putRow(_ a: UInt64, _ b: UInt64, _ c: UInt64, width: Int, at out: UnsafeMutablePointer<UInt8>) -> Int {
        // The common case, every number fits its column: blank the row eight bytes at a time, then put each
        // number's digits where its column ends (no digit counting, no memset call).
        if width <= 19, width > 0, a < powersOfTen[width], b < powersOfTen[width], c < powersOfTen[width] {
            let raw = UnsafeMutableRawPointer(out)
            let length = 3 * width
            var offset = 0
            while offset + 8 <= length {
                raw.storeBytes(of: eightSpaces, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < length {
                out[offset] = UInt8(ascii: " ")
                offset += 1
            }
            putDigits(a, endingAt: out + width)
            putDigits(b, endingAt: out + 2 * width)
            putDigits(c, endingAt: out + length)
            out[length] = UInt8(ascii: "\n")
            return length + 1
        }
        var used = putPadded(a, width: width, at: out)
        used += putPadded(b, width: width, at: out + used)
        used += putPadded(c, width: width, at: out + used)
        out[used] = UInt8(ascii: "\n")
        return used + 1
    }

    /// Eight ASCII spaces.
    private static let eightSpaces: UInt64 = 0x2020_2020_2020_2020

    /// 10^0 … 10^19, as literals: a constant table, with no lazy initialisation to check per use.
    private static let powersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ]

    /// `value` right-aligned in `width` columns (or unpadded when it is wider) at `out`; returns the bytes written.
    @inline(__always)
    static func putPadded(_ value: UInt64, width: Int, at out: UnsafeMutablePointer<UInt8>) -> Int {
        let count = decimalDigits(value)
        let pad = width > count ? width - count : 0
        if pad > 0 { out.update(repeating: UInt8(ascii: " "), count: pad) }
        putDigits(value, endingAt: out + pad + count)
        return pad + count
    }

    /// `value` in decimal at `out`; returns the bytes written.
    @inline(__always)
    static func putDecimal(_ value: UInt64, at out: UnsafeMutablePointer<UInt8>) -> Int {
        let count = decimalDigits(value)
        putDigits(value, endingAt: out + count)
        return count
    }

    /// `bytes` at `out`; returns how many.
    @inline(__always)
    static func put(_ bytes: UnsafeBufferPointer<UInt8>, at out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        out.update(from: base, count: bytes.count)
        return bytes.count
    }

    /// How many decimal digits `value` has (1 for 0): from its bit length, without a loop.
    @inline(__always)
    static func decimalDigits(_ value: UInt64) -> Int {
        // log10(2) ≈ 1233/4096: a guess that is exact or one short, corrected by one comparison.
        let guess = ((64 - (value | 1).leadingZeroBitCount) &* 1233) >> 12
        // `| 1` counts 0 as one digit and changes no other answer (10^k - 1 is odd).
        return guess &+ ((value | 1) >= powersOfTen[guess] ? 1 : 0)
    }

    /// "00" … "99": two digits per division. A static string, so no lazy initialisation per use.
    private static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// The decimal digits of `value`, ending just before `end`; the caller has made room for them.
    @inline(__always)
    private static func putDigits(_ value: UInt64, endingAt end: UnsafeMutablePointer<UInt8>) {
        var position = end
        var rest = value
        let pairs = digitPairs.utf8Start
        while rest >= 100 {
            let pair = Int(truncatingIfNeeded: rest % 100) &* 2
            rest /= 100
            position -= 2
            position[0] = pairs[pair]
            position[1] = pairs[pair &+ 1]
        }
        if rest >= 10 {
            let pair = Int(truncatingIfNeeded: rest) &* 2
            position -= 2
            position[0] = pairs[pair]
            position[1] = pairs[pair &+ 1]
        } else {
            position[-1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
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
                // The rest cannot be written either; the exit status says so (StandardOutput).
                if fd == 1 { StandardOutput.recordFailure(errno) }
                break
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

    /// `[{"swapPage": A, "physicalPage": B, "pages": C}, …]`, one extent per line, formatted in bulk:
    /// a fragmented file has a million of them. Same bytes as `beginArray`, an object per extent, `endArray`.
    mutating func swapExtentArray(_ extents: [SwapExtent]) {
        beginArray()
        guard !extents.isEmpty else {
            endArray()
            return
        }
        let indentation = 2 * indent
        let maxRowBytes = 2 + indentation + Self.swapPageKey.count + Self.physicalPageKey.count + Self.pagesKey.count + 3 * 20 + 1
        var first = true
        Self.swapPageKey.withUnsafeBufferPointer { swapPageKey in
            Self.physicalPageKey.withUnsafeBufferPointer { physicalPageKey in
                Self.pagesKey.withUnsafeBufferPointer { pagesKey in
                    out.writeRows(extents, maxRowBytes: maxRowBytes) { extent, row in
                        var used = 0
                        if !first {
                            row[used] = UInt8(ascii: ",")
                            used += 1
                        }
                        first = false
                        row[used] = UInt8(ascii: "\n")
                        used += 1
                        (row + used).update(repeating: UInt8(ascii: " "), count: indentation)
                        used += indentation
                        used += OutputBuffer.put(swapPageKey, at: row + used)
                        used += OutputBuffer.putDecimal(extent.swapPage, at: row + used)
                        used += OutputBuffer.put(physicalPageKey, at: row + used)
                        used += OutputBuffer.putDecimal(extent.physicalPage, at: row + used)
                        used += OutputBuffer.put(pagesKey, at: row + used)
                        used += OutputBuffer.putDecimal(extent.pages, at: row + used)
                        row[used] = UInt8(ascii: "}")
                        return used + 1
                    }
                }
            }
        }
        needsComma[needsComma.count - 1] = true
        endArray()
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
