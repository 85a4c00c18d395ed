import SwapInspectCore
import Testing

/// The generic model takes the blocks inside one extent in a single step (a file costs its extents, not its
/// blocks). This checks it against the kernel's loop written out block by block, as `generic_swapfile_activate`
/// does it, over thousands of seeded random layouts in file order (as FIEMAP gives them): misaligned runs,
/// device addresses off block boundaries, contiguous neighbours, holes, unwritten pieces, unaligned extent
/// ends, headers shorter and longer than the file.
@Suite("generic model: whole extents at once = block by block")
struct GenericFastPathTests {
    /// The kernel's loop, one block per step (mm/page_io.c), with bmap over the written extents.
    static func blockByBlock(
        extents: [FileExtent], fileSize: UInt64, blockSize: Int, pageSize: Int, maxPages: UInt64
    ) -> (refused: Bool, pages: UInt64, extents: [SwapExtent], lowest: UInt64, highest: UInt64) {
        let block = UInt64(blockSize)
        let perPage = UInt64(pageSize / blockSize)
        let lastBlock = fileSize / block
        let mapped = extents.filter { $0.flags.isDisjoint(with: [.unwritten, .delalloc, .unknown, .inline]) }
        func bmap(_ logicalBlock: UInt64) -> UInt64 {
            let byte = logicalBlock * block
            for extent in mapped where extent.logical <= byte && byte < extent.logicalEnd {
                return (extent.physical + (byte - extent.logical)) / block
            }
            return 0
        }
        var probe: UInt64 = 0
        var pageNumber: UInt64 = 0
        var lowest = UInt64.max
        var highest: UInt64 = 0
        var list: [SwapExtent] = []
        scan: while probe + perPage <= lastBlock && pageNumber < maxPages {
            let first = bmap(probe)
            if first == 0 { return (true, 0, [], 0, 0) }
            if first % perPage != 0 {
                probe += 1
                continue
            }
            for offset in 1..<max(perPage, 1) {
                let next = bmap(probe + offset)
                if next == 0 { return (true, 0, [], 0, 0) }
                if next != first + offset {
                    probe += 1
                    continue scan
                }
            }
            let physical = first / perPage
            if pageNumber > 0 {
                lowest = min(lowest, physical)
                highest = max(highest, physical)
            }
            if let last = list.last, last.physicalPage + last.pages == physical {
                list[list.count - 1].pages += 1
            } else {
                list.append(SwapExtent(swapPage: pageNumber, physicalPage: physical, pages: 1))
            }
            pageNumber += 1
            probe += perPage
        }
        return (false, max(pageNumber, 1), list, lowest, highest)
    }

    /// A small deterministic generator (SplitMix64), so a failure names a seed that reproduces it.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func layout(seed: UInt64) -> (extents: [FileExtent], fileSize: UInt64, blockSize: Int, pageSize: Int, maxPages: UInt64) {
        var random = SplitMix(state: seed)
        let blockSize = [512, 1024, 2048, 4096].randomElement(using: &random)!
        let pageSize = [4096, 16384].randomElement(using: &random)!
        let block = UInt64(blockSize)
        var extents: [FileExtent] = []
        var logical: UInt64 = 0
        var physical = UInt64.random(in: 1...5000, using: &random) * block
        for _ in 0..<Int.random(in: 1...12, using: &random) {
            let length = UInt64.random(in: 1...64, using: &random) * block
            var flags: ExtentFlags = []
            if Int.random(in: 0..<10, using: &random) == 0 { flags.insert(.unwritten) }
            extents.append(FileExtent(logical: logical, physical: physical, length: length, flags: flags))
            logical += length
            // Next run: contiguous on the device, a few blocks away (misaligned or not), or a hole first.
            switch Int.random(in: 0..<7, using: &random) {
            case 0: physical += length
            case 1: logical += block * UInt64.random(in: 1...3, using: &random)
                physical += length + block * UInt64.random(in: 1...9, using: &random)
            // A device address that is not on a block boundary (bmap rounds it down).
            case 2: physical += length + UInt64.random(in: 1..<(4 * block), using: &random)
            default: physical += length + block * UInt64.random(in: 1...300, using: &random)
            }
        }
        if Bool.random(using: &random), var last = extents.popLast() {
            // An extent end that is not a whole block (the file's tail).
            last.length -= UInt64.random(in: 1..<block, using: &random)
            extents.append(last)
        }
        let end = extents.last.map(\.logicalEnd) ?? 0
        let fileSize = Bool.random(using: &random) ? end : end + UInt64.random(in: 0...(3 * block), using: &random)
        let pages = fileSize / UInt64(pageSize)
        let maxPages = [pages, max(1, pages / 2), pages + 5, 1, 2].randomElement(using: &random)!
        return (extents, fileSize, blockSize, pageSize, maxPages)
    }

    @Test(arguments: 0..<8)
    func wholeExtentStepsMatchTheKernelsLoop(_ slice: Int) {
        for seed in UInt64(slice * 500)..<UInt64(slice * 500 + 500) {
            let layout = Self.layout(seed: seed)
            let fast = ActivationSimulator.generic(
                extents: layout.extents, fileSize: layout.fileSize, blockSize: layout.blockSize, pageSize: layout.pageSize,
                maxPages: layout.maxPages, path: "/swapfile")
            let slow = Self.blockByBlock(
                extents: layout.extents, fileSize: layout.fileSize, blockSize: layout.blockSize, pageSize: layout.pageSize,
                maxPages: layout.maxPages)
            let refusedForHoles = fast.refusal?.finding.code == .holes
            #expect(refusedForHoles == slow.refused, "seed \(seed)")
            guard !slow.refused else { continue }
            #expect(fast.maxPages == slow.pages, "seed \(seed)")
            #expect(fast.extents == slow.extents, "seed \(seed)")
            #expect(fast.extentCount == slow.extents.count, "seed \(seed)")
            #expect(fast.spanPages == 1 &+ slow.highest &- slow.lowest, "seed \(seed)")
            if fast.ok {
                #expect(fast.lowestPhysicalPage == (slow.lowest == .max ? nil : slow.lowest), "seed \(seed)")
                #expect(fast.highestPhysicalPage == slow.highest, "seed \(seed)")
            }
        }
    }
}
