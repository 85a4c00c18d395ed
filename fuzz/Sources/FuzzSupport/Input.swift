import Foundation
import SwapInspectCore

@testable import SwapInspectCommands

/// Decoding of fuzzer input, and the checks, shared by the targets.

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

    /// One of the page sizes the kernel has.
    public mutating func pageSize() -> Int {
        SwapHeaderLayout.candidatePageSizes[Int(byte()) % SwapHeaderLayout.candidatePageSizes.count]
    }

    /// A FIEMAP extent: logical, physical and length as numbers, then two bytes of flags.
    public mutating func extent() -> FileExtent {
        FileExtent(
            logical: number(), physical: number(), length: number(),
            flags: ExtentFlags(rawValue: UInt32(byte()) | UInt32(byte() & 0x3) << 8))
    }
}

/// A little-endian `SWAPSPACE2` v1 header page declaring `lastPage`.
public func swapHeader(pageSize: Int, lastPage: UInt32) -> [UInt8] {
    var header = [UInt8](repeating: 0, count: pageSize)
    let magic = Array("SWAPSPACE2".utf8)
    header.replaceSubrange((pageSize - magic.count)..<pageSize, with: magic)
    for (offset, value) in [(SwapHeaderLayout.versionOffset, UInt32(1)), (SwapHeaderLayout.lastPageOffset, lastPage)] {
        for index in 0..<4 { header[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }
    return header
}

/// The report as the full text table and as the contract's JSON, which must parse; returns the text.
public func renderChecked(_ report: Report) -> [UInt8] {
    var text = OutputBuffer(fd: nil)
    TextRenderer(colour: false, allExtents: true).render(report, into: &text)
    var json = OutputBuffer(fd: nil)
    JSONRenderer.render([report], errors: [], into: &json)
    if (try? JSONSerialization.jsonObject(with: Data(json.bytes))) == nil {
        fatalError("invalid JSON:\n\(json.text)")
    }
    return text.bytes
}
