import SwapInspectCore
import Testing

/// The forged-header matrix shared by the detection and validation tests:
/// page size × byte order × version × last_page × bad pages (util-linux style, fixed UUID).
struct HeaderCase: Sendable, CustomTestStringConvertible {
    enum LastPage: String, Sendable, CaseIterable {
        case zero, one, fits, tooBig
    }
    enum BadPages: String, Sendable, CaseIterable {
        case none, some, overMax
    }

    /// Every matrix area is 16 pages long.
    static let areaPages: UInt32 = 16

    var pageSize: Int
    var byteOrder: ByteOrder
    var version: UInt32
    var lastPageKind: LastPage
    var badKind: BadPages

    static let all: [HeaderCase] = [4096, 8192, 16384, 32768, 65536].flatMap { pageSize in
        [ByteOrder.little, .big].flatMap { order in
            [UInt32(1), 2].flatMap { version in
                LastPage.allCases.flatMap { last in
                    BadPages.allCases.map { bad in
                        HeaderCase(pageSize: pageSize, byteOrder: order, version: version, lastPageKind: last, badKind: bad)
                    }
                }
            }
        }
    }

    var testDescription: String {
        "\(pageSize / 1024)K \(byteOrder.rawValue) v\(version) last_page=\(lastPageKind.rawValue) bad=\(badKind.rawValue)"
    }

    /// MAX_SWAP_BADPAGES written out per page size (docs/kernel-rules.md §1.1), not computed by the code under test.
    var maxBad: UInt32 {
        switch pageSize {
        case 4096: 637
        case 8192: 1661
        case 16384: 3709
        case 32768: 7805
        default: 15997
        }
    }

    var lastPage: UInt32 {
        switch lastPageKind {
        case .zero: 0
        case .one: 1
        case .fits: Self.areaPages - 1
        case .tooBig: Self.areaPages
        }
    }

    /// The entries written at offset 1536 and the count written at 1032. MAX+1 claims one entry more than
    /// fits: only MAX entries are written (the next one would overwrite the magic).
    var writtenBadPages: (entries: [UInt32], count: UInt32) {
        switch badKind {
        case .none: ([], 0)
        case .some: ([1, 1], 2)
        case .overMax: (Array(repeating: 1, count: Int(maxBad)), maxBad + 1)
        }
    }

    var forge: HeaderForge {
        let bad = writtenBadPages
        return HeaderForge(
            pageSize: pageSize, byteOrder: byteOrder, version: version, lastPage: lastPage, badPages: bad.entries,
            nrBadPages: bad.count, label: "matrix")
    }

    var areaBytes: UInt64 { UInt64(Self.areaPages) * UInt64(pageSize) }

    /// `read_swap_header` byte-swaps only when the version reads 1 after swapping: a big-endian header
    /// with any other version is read in host (little-endian) order.
    var kernelSwaps: Bool { byteOrder == .big && version == 1 }
}
