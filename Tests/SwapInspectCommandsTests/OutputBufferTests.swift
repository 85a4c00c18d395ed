import SwapInspectCore
import Testing

@testable import SwapInspectCommands

/// The hand-written number formatting of the extent tables, against Swift's own decimal text.
@Suite("bulk row formatting")
struct OutputBufferTests {
    /// Digit-count boundaries, a column's limit (16 digits) and past it, and the extremes of UInt64.
    static let values: [UInt64] = {
        var values: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 4096, 2_457_601, UInt64(UInt32.max), UInt64(UInt32.max) + 1, .max, .max - 1]
        var power: UInt64 = 1
        for _ in 0..<19 {
            power *= 10
            values += [power - 1, power, power + 1]
        }
        return values
    }()

    /// A reference row: each number right-aligned in `width` columns, or unpadded when wider.
    static func reference(_ a: UInt64, _ b: UInt64, _ c: UInt64, width: Int = 16) -> String {
        func column(_ value: UInt64) -> String {
            let digits = String(value)
            return String(repeating: " ", count: max(0, width - digits.count)) + digits
        }
        return column(a) + column(b) + column(c) + "\n"
    }

    @Test func decimalDigitsCountsEveryBoundary() {
        for value in Self.values {
            #expect(OutputBuffer.decimalDigits(value) == String(value).count, "\(value)")
        }
    }

    /// Every width from none to past the widest number (the fast path below 20 columns, with and without a
    /// tail that is not a multiple of eight bytes; the padded path above), against decimal text.
    @Test(arguments: 0...24)
    func rowsMatchDecimalTextAtEveryWidth(_ width: Int) {
        var expected = ""
        var rows: [(UInt64, UInt64, UInt64)] = []
        for (index, value) in Self.values.enumerated() {
            let other = Self.values[(index * 7 + 3) % Self.values.count]
            rows.append((value, other, UInt64(index)))
            expected += Self.reference(value, other, UInt64(index), width: width)
        }
        var buffer = OutputBuffer(fd: nil)
        buffer.writeRows(rows, maxRowBytes: OutputBuffer.maxRowBytes(width: width)) { row, out in
            OutputBuffer.putRow(row.0, row.1, row.2, width: width, at: out)
        }
        #expect(buffer.text == expected)
    }

    /// More rows than one 64 KiB chunk holds: nothing lost or doubled where chunks meet.
    @Test func rowsSpanningChunksArriveWhole() {
        let count = 5000
        var buffer = OutputBuffer(fd: nil)
        buffer.writeRows(0..<count, maxRowBytes: OutputBuffer.maxRowBytes(width: 16)) { index, out in
            OutputBuffer.putRow(UInt64(index), UInt64(index) * 1_000_003, 1, width: 16, at: out)
        }
        let expected = (0..<count).map { Self.reference(UInt64($0), UInt64($0) * 1_000_003, 1) }.joined()
        #expect(buffer.text == expected)
    }

    @Test func jsonExtentArrayMatchesTheObjectByObjectForm() {
        for extents in [[], [SwapExtent(swapPage: 0, physicalPage: .max, pages: 0)], (0..<3000).map {
            SwapExtent(swapPage: UInt64($0), physicalPage: UInt64($0) * 2 + 51_205, pages: 1)
        }] {
            var bulk = JSONWriter(out: OutputBuffer(fd: nil))
            bulk.beginObject()
            bulk.key("extents")
            bulk.swapExtentArray(extents)
            bulk.key("after")
            bulk.number(1)
            bulk.endObject()
            let rows = extents.map { #"{"swapPage": \#($0.swapPage), "physicalPage": \#($0.physicalPage), "pages": \#($0.pages)}"# }
            let array = rows.isEmpty ? "[]" : "[\n    " + rows.joined(separator: ",\n    ") + "\n  ]"
            #expect(bulk.out.text == "{\n  \"extents\": \(array),\n  \"after\": 1\n}")
        }
    }
}
