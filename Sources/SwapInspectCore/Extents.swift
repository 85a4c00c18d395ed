/// Flags of a file extent, as FIEMAP reports them (or as libext2fs implies them).
public struct ExtentFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Preallocated, never written (fallocate): the kernel swaps to it like written data.
    public static let unwritten = ExtentFlags(rawValue: 1 << 0)
    /// Shared with another file (reflink, snapshot).
    public static let shared = ExtentFlags(rawValue: 1 << 1)
    /// Data stored inside the inode or metadata.
    public static let inline = ExtentFlags(rawValue: 1 << 2)
    /// Delayed allocation: no block chosen yet.
    public static let delalloc = ExtentFlags(rawValue: 1 << 3)
    /// Location unknown.
    public static let unknown = ExtentFlags(rawValue: 1 << 4)
    /// Encoded (compressed) on disk.
    public static let encoded = ExtentFlags(rawValue: 1 << 5)
    /// Encrypted by the file system.
    public static let encrypted = ExtentFlags(rawValue: 1 << 6)
    /// Not block aligned.
    public static let notAligned = ExtentFlags(rawValue: 1 << 7)
    /// The last extent of the file.
    public static let last = ExtentFlags(rawValue: 1 << 8)
    /// Merged by the kernel from block-mapped pieces (ext2/3 format).
    public static let merged = ExtentFlags(rawValue: 1 << 9)

    /// Names in FIEMAP's vocabulary, for tables and JSON.
    public var names: [String] {
        let table: [(ExtentFlags, String)] = [
            (.unwritten, "unwritten"), (.shared, "shared"), (.inline, "inline"), (.delalloc, "delalloc"),
            (.unknown, "unknown"), (.encoded, "encoded"), (.encrypted, "encrypted"),
            (.notAligned, "not_aligned"), (.merged, "merged"), (.last, "last"),
        ]
        return table.filter { contains($0.0) }.map(\.1)
    }
}

/// One run of a file: `length` bytes at file offset `logical` stored at device byte `physical`.
public struct FileExtent: Sendable, Equatable {
    /// Most extents an adapter reserves room for before mapping a file (32 bytes each: 4M, 128 MiB of
    /// address space, touched only as filled): as many as a fragmented multi-GiB file has, and no more.
    /// Reserving once avoids growing a million-element array by doubling, which touches twice the memory.
    public static let maxReserved = 1 << 22

    public var logical: UInt64
    public var physical: UInt64
    public var length: UInt64
    public var flags: ExtentFlags

    public init(logical: UInt64, physical: UInt64, length: UInt64, flags: ExtentFlags = []) {
        self.logical = logical
        self.physical = physical
        self.length = length
        self.flags = flags
    }

    public var logicalEnd: UInt64 { logical + length }

    /// The last file byte of the extent, for messages (the first one when the extent is empty).
    public var lastByte: UInt64 { length == 0 ? logical : logical + length - 1 }

    /// The largest byte offset of a file or a device (`loff_t`): FIEMAP and libext2fs report nothing past it.
    public static let maxOffset: UInt64 = 1 << 63

    /// Within `maxOffset` on both sides (so that every sum the models make fits in 64 bits).
    public var isPlausible: Bool {
        logical <= Self.maxOffset && physical <= Self.maxOffset
            && length <= Self.maxOffset - logical && length <= Self.maxOffset - physical
    }
}

/// What the findings need to know of a file's extents as a whole: gathered while an adapter maps them
/// (no second pass over a million extents), or from a list.
public struct ExtentTally: Sendable, Equatable {
    /// Every flag any extent has.
    public private(set) var flags: ExtentFlags = []
    public private(set) var unwrittenCount = 0
    public private(set) var unwrittenBytes: UInt64 = 0
    /// The first extent no file system could report: one reaching past `FileExtent.maxOffset` on the
    /// file or the device. Such a map comes from corrupt metadata; the models' arithmetic assumes none.
    public private(set) var implausible: FileExtent?

    public init() {}

    public init(_ extents: some Sequence<FileExtent>) {
        for extent in extents { add(extent) }
    }

    @inline(__always)
    public mutating func add(_ extent: FileExtent) {
        if implausible == nil && !extent.isPlausible { implausible = extent }
        flags.formUnion(extent.flags)
        if extent.flags.contains(.unwritten) {
            unwrittenCount += 1
            unwrittenBytes &+= extent.length
        }
    }
}

/// A swap extent as the kernel builds it: `pages` consecutive swap pages on consecutive physical pages.
public struct SwapExtent: Sendable, Equatable {
    public var swapPage: UInt64
    public var physicalPage: UInt64
    public var pages: UInt64

    public init(swapPage: UInt64, physicalPage: UInt64, pages: UInt64) {
        self.swapPage = swapPage
        self.physicalPage = physicalPage
        self.pages = pages
    }
}

/// `add_swap_extent` (mm/swapfile.c): append in swap-page order, extending the previous extent when
/// the new piece starts on the physical page right after it. `count` is what the kernel prints as `extents:`.
public struct SwapExtentList: Sendable, Equatable {
    public private(set) var extents: [SwapExtent] = []
    public private(set) var count = 0

    public init() {}

    /// Room for `count` extents at once (an upper bound, e.g. the runs handed in): no regrowth.
    public mutating func reserveCapacity(_ count: Int) {
        extents.reserveCapacity(count)
    }

    public mutating func add(swapPage: UInt64, pages: UInt64, physicalPage: UInt64) {
        let lastIndex = extents.count - 1
        if lastIndex >= 0, extents[lastIndex].physicalPage &+ extents[lastIndex].pages == physicalPage {
            extents[lastIndex].pages += pages
            return
        }
        extents.append(SwapExtent(swapPage: swapPage, physicalPage: physicalPage, pages: pages))
        count += 1
    }
}
