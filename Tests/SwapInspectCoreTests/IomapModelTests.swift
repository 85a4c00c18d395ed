import SwapInspectCore
import Testing

/// `iomap_swapfile_activate` / `iomap_swapfile_add_extent` (fs/iomap/swapfile.c), docs/kernel-rules.md §2.3,
/// checked against the ext4/XFS examples of §6 (6.18, x86_64, PAGE 4096).
@Suite("iomap activation model")
struct IomapModelTests {
    struct Layout: Sendable, CustomTestStringConvertible {
        var example: String
        var blockSize: UInt64
        /// (logical, physical, length) in blocks.
        var runs: [(UInt64, UInt64, UInt64)]
        var flags: [ExtentFlags] = []
        var fileSize: UInt64
        var maxPages: UInt64
        var addingKiB: UInt64
        var extents: Int
        var acrossKiB: UInt64

        var testDescription: String { example }

        var fileExtents: [FileExtent] {
            runs.enumerated().map { index, run in
                FileExtent(
                    logical: run.0 * blockSize, physical: run.1 * blockSize, length: run.2 * blockSize,
                    flags: index < flags.count ? flags[index] : [])
            }
        }
    }

    static let examples: [Layout] = [
        // E1: 16 MiB dd file, one extent at 4139..8234.
        Layout(example: "E1", blockSize: 4096, runs: [(0, 4139, 4096)], fileSize: 16 * mebibyte, maxPages: 4096,
               addingKiB: 16380, extents: 1, acrossKiB: 16380),
        // E2: m4/fr4, five runs; the header decides how much of the file is used.
        Layout(example: "E2a max 1000", blockSize: 4096,
               runs: [(0, 36897, 494), (494, 32300, 468), (962, 37406, 15), (977, 37436, 15), (992, 37472, 8)],
               fileSize: 4_096_000, maxPages: 1000, addingKiB: 3996, extents: 5, acrossKiB: 20720),
        Layout(example: "E2b max 500", blockSize: 4096,
               runs: [(0, 36897, 494), (494, 32300, 468), (962, 37406, 15), (977, 37436, 15), (992, 37472, 8)],
               fileSize: 4_096_000, maxPages: 500, addingKiB: 1996, extents: 2, acrossKiB: 20364),
        Layout(example: "E2c max 100", blockSize: 4096,
               runs: [(0, 36897, 494), (494, 32300, 468), (962, 37406, 15), (977, 37436, 15), (992, 37472, 8)],
               fileSize: 4_096_000, maxPages: 100, addingKiB: 396, extents: 1, acrossKiB: 1972),
        // E3: m4/big, 150 MiB in three extents.
        Layout(example: "E3", blockSize: 4096, runs: [(0, 38912, 26624), (26624, 28672, 2048), (28672, 4139, 9728)],
               fileSize: 150 * mebibyte, maxPages: 38400, addingKiB: 153_596, extents: 3, acrossKiB: 245_588),
        // E4: 200 MiB at 34816.
        Layout(example: "E4", blockSize: 4096, runs: [(0, 34816, 51200)], fileSize: 200 * mebibyte, maxPages: 51200,
               addingKiB: 204_796, extents: 1, acrossKiB: 204_796),
        // E5: fallocate 300M then mkswap: the written header block and the unwritten rest merge.
        Layout(example: "E5", blockSize: 4096,
               runs: [(0, 86016, 1), (1, 86017, 12287), (12288, 100352, 30720), (43008, 139264, 24576), (67584, 165888, 9216)],
               flags: [[], .unwritten, .unwritten, .unwritten, [.unwritten, .last]],
               fileSize: 300 * mebibyte, maxPages: 76800, addingKiB: 307_196, extents: 4, acrossKiB: 356_348),
        // E8: i_size 1049576 = 256 pages + 1000 bytes; the partial tail page is never used.
        Layout(example: "E8", blockSize: 4096, runs: [(0, 9000, 257)], fileSize: 1_049_576, maxPages: 256,
               addingKiB: 1020, extents: 1, acrossKiB: 1020),
        // F4: ext4 1K, encrypted 4 MiB at 10241..14336: accepted on 6.18, first page lost to misalignment.
        Layout(example: "F4", blockSize: 1024, runs: [(0, 10241, 4096)], flags: [.encrypted], fileSize: 4 * mebibyte,
               maxPages: 1024, addingKiB: 4088, extents: 1, acrossKiB: 4088),
        // X1: XFS 4K, 32 MiB at 24..8215.
        Layout(example: "X1", blockSize: 4096, runs: [(0, 24, 8192)], fileSize: 32 * mebibyte, maxPages: 8192,
               addingKiB: 32764, extents: 1, acrossKiB: 32764),
    ]

    @Test(arguments: examples)
    func iomapReproducesTheKernelLine(_ layout: Layout) {
        let activation = ActivationSimulator.iomap(
            extents: layout.fileExtents, fileSize: layout.fileSize, pageSize: 4096, maxPages: layout.maxPages,
            path: "/mnt/t/\(layout.example)")
        #expect(activation.ok)
        #expect(activation.model == .iomap)
        #expect(kib4(activation.pages) == layout.addingKiB)
        #expect(activation.extentCount == layout.extents)
        #expect(kib4(activation.spanPages) == layout.acrossKiB)
    }

    @Test func singleExtentSpanExcludesTheHeaderPage() {
        // E1: nr=4096, lowest=4140, highest=8234.
        let activation = ActivationSimulator.iomap(
            extents: blocks([(0, 4139, 4096)], blockSize: 4096), fileSize: 16 * mebibyte, pageSize: 4096,
            maxPages: 4096, path: "/mnt/t/m4/c16")
        #expect(activation.maxPages == 4096)
        #expect(activation.pages == 4095)
        #expect(activation.lowestPhysicalPage == 4140)
        #expect(activation.highestPhysicalPage == 8234)
        #expect(activation.extents == [SwapExtent(swapPage: 0, physicalPage: 4139, pages: 4096)])
        #expect(activation.resumeOffset == 4139)
    }

    @Test func writtenAndUnwrittenRunsMergeIntoOneSwapExtent() {
        // E5: [86016+1 written] and [86017+12287 unwritten] are one physical run.
        let extents = blocks([(0, 86016, 1)], blockSize: 4096)
            + blocks([(1, 86017, 12287), (12288, 100352, 30720), (43008, 139264, 24576), (67584, 165888, 9216)],
                     blockSize: 4096, flags: .unwritten)
        let activation = ActivationSimulator.iomap(
            extents: extents, fileSize: 300 * mebibyte, pageSize: 4096, maxPages: 76800, path: "/mnt/t/meb/fa")
        #expect(activation.extents == [
            SwapExtent(swapPage: 0, physicalPage: 86016, pages: 12288),
            SwapExtent(swapPage: 12288, physicalPage: 100352, pages: 30720),
            SwapExtent(swapPage: 43008, physicalPage: 139264, pages: 24576),
            SwapExtent(swapPage: 67584, physicalPage: 165888, pages: 9216),
        ])
        #expect(activation.lowestPhysicalPage == 86017)
        #expect(activation.highestPhysicalPage == 175_103)
    }

    @Test func holeAnywhereInTheFileIsUnallocatedExtents() {
        // E7: the absolute path is printed.
        let activation = ActivationSimulator.iomap(
            extents: blocks([(0, 5000, 100), (120, 6000, 136)], blockSize: 4096), fileSize: 256 * 4096, pageSize: 4096,
            maxPages: 256, path: "/mnt/t/m4/hole")
        #expect(!activation.ok)
        #expect(activation.refusal?.kernelMessage == "swapon: file /mnt/t/m4/hole has unallocated extents")
        #expect(activation.refusal?.finding.code == .holes)
        #expect(activation.refusal?.errno == .invalidArgument)
        #expect(activation.resumeOffset == nil)
    }

    @Test func holeAtTheEndOfTheFileIsUnallocatedExtents() {
        let activation = ActivationSimulator.iomap(
            extents: blocks([(0, 5000, 200)], blockSize: 4096), fileSize: 256 * 4096, pageSize: 4096,
            maxPages: 256, path: "/mnt/t/m4/sparse-tail")
        #expect(activation.refusal?.finding.code == .holes)
        #expect(activation.refusal?.kernelMessage == "swapon: file /mnt/t/m4/sparse-tail has unallocated extents")
    }

    @Test func holeInThePartialTailPageIsNeverVisited() {
        // Iteration covers [0, ALIGN_DOWN(i_size, PAGE)): an unallocated last partial page does not matter.
        let activation = ActivationSimulator.iomap(
            extents: blocks([(0, 5000, 256)], blockSize: 4096), fileSize: 256 * 4096 + 100, pageSize: 4096,
            maxPages: 256, path: "/swapfile")
        #expect(activation.ok)
        #expect(activation.pages == 255)
    }

    @Test func holeBeyondTheHeaderLimitStillFails() {
        // Unlike generic, iomap keeps iterating after nr_pages == max (G4).
        let activation = ActivationSimulator.iomap(
            extents: blocks([(0, 5000, 100), (120, 6000, 136)], blockSize: 4096), fileSize: 256 * 4096, pageSize: 4096,
            maxPages: 10, path: "/swapfile")
        #expect(activation.refusal?.finding.code == .holes)
    }

    @Test func sharedExtentIsRefused() {
        // X2: `cp --reflink=always c r`.
        let extents = blocks([(0, 24, 100)], blockSize: 4096) + blocks([(100, 124, 156)], blockSize: 4096, flags: .shared)
        let activation = ActivationSimulator.iomap(
            extents: extents, fileSize: 256 * 4096, pageSize: 4096, maxPages: 256, path: "/mnt/t/mx/r")
        #expect(activation.refusal?.kernelMessage == "swapon: file /mnt/t/mx/r has shared extents")
        #expect(activation.refusal?.finding.code == .sharedExtents)
    }

    @Test func inlineDataIsRefused() {
        let activation = ActivationSimulator.iomap(
            extents: [FileExtent(logical: 0, physical: 0, length: 8192, flags: [.inline, .notAligned])], fileSize: 8192,
            pageSize: 4096, maxPages: 2, path: "/mnt/t/tiny")
        #expect(activation.refusal?.kernelMessage == "swapon: file /mnt/t/tiny is inline")
        #expect(activation.refusal?.finding.code == .inlineData)
    }

    @Test func delayedAllocationIsNotCommitted() {
        let extents = blocks([(0, 5000, 128)], blockSize: 4096) + blocks([(128, 0, 128)], blockSize: 4096, flags: .delalloc)
        let activation = ActivationSimulator.iomap(
            extents: extents, fileSize: 256 * 4096, pageSize: 4096, maxPages: 256, path: "/swapfile")
        #expect(activation.undetermined?.finding?.code == .notCommitted)
        #expect(activation.refusal == nil)
        #expect(!activation.ok)
    }

    /// From FIBMAP a gap may be a hole (refused) or preallocated blocks (accepted): no verdict either way.
    @Test func gapSeenThroughFibmapIsUndetermined() {
        let extents = blocks([(0, 5000, 128), (192, 6000, 64)], blockSize: 4096)
        for (ambiguous, tail) in [(false, UInt64(256)), (true, 256), (true, 300)] {
            let activation = ActivationSimulator.iomap(
                extents: extents, fileSize: tail * 4096, pageSize: 4096, maxPages: 256, path: "/swapfile",
                holesMayBePreallocated: ambiguous)
            if ambiguous {
                #expect(activation.refusal == nil)
                #expect(activation.undetermined?.reason.contains("file bytes \(128 * 4096)..\(192 * 4096 - 1)") == true)
                #expect(activation.undetermined?.finding == nil)
            } else {
                #expect(activation.refusal?.finding.code == .holes)
            }
        }
    }

    @Test func noRunHoldingAWholePageMeansNoUsablePage() {
        // F2: a 400 KiB file on 1K blocks living only in 3-block gaps (stride 5, so no run touches the next).
        let runs: [(UInt64, UInt64, UInt64)] = (0..<UInt64(134)).map { (index: UInt64) in
            let logical: UInt64 = index * 3
            return (logical, 3001 + index * 5, min(3, 400 - logical))
        }
        let activation = ActivationSimulator.iomap(
            extents: blocks(runs, blockSize: 1024), fileSize: 400 * kiB, pageSize: 4096, maxPages: 100,
            path: "/mnt/t/m1/f2")
        #expect(activation.refusal?.kernelMessage == "swapon: Cannot find a single usable page in file.")
        #expect(activation.refusal?.finding.code == .noUsablePages)
    }

    @Test func onlyTheHeaderPageUsableIsAnEmptySwapFile() {
        // 1K blocks: the first run yields one aligned page, the rest none -> pages 0 -> "Empty swap-file".
        let runs: [(UInt64, UInt64, UInt64)] = [(0, 4000, 4), (4, 5001, 3), (7, 6001, 1)]
        let activation = ActivationSimulator.iomap(
            extents: blocks(runs, blockSize: 1024), fileSize: 8 * kiB, pageSize: 4096, maxPages: 2, path: "/swapfile")
        #expect(activation.refusal?.kernelMessage == "Empty swap-file")
        #expect(activation.refusal?.finding.code == .emptySwap)
    }

    @Test func runWithoutAWholePageLosesTheHeaderExclusion() {
        // The run at file offset 0 (blocks 1001..1003) holds no aligned page and is dropped: swap page 0 is
        // the first page of the next run, and no run gets the +1, so across counts the header page too.
        let runs: [(UInt64, UInt64, UInt64)] = [(0, 1001, 3), (3, 2000, 13)]
        let activation = ActivationSimulator.iomap(
            extents: blocks(runs, blockSize: 1024), fileSize: 16 * kiB, pageSize: 4096, maxPages: 4, path: "/swapfile")
        #expect(activation.ok)
        #expect(activation.pages == 2)
        #expect(activation.extents == [SwapExtent(swapPage: 0, physicalPage: 500, pages: 3)])
        #expect(activation.lowestPhysicalPage == 500)
        #expect(activation.highestPhysicalPage == 502)
        #expect(activation.spanPages == 3)
        #expect(activation.resumeOffset == 500)
    }

    @Test func logicallySplitButPhysicallyContiguousExtentsAreOneRun() {
        // 1K blocks: (0,1001,6),(6,1007,6) is one run 1001..1012 -> pages 251,252 (a split would lose both).
        let activation = ActivationSimulator.iomap(
            extents: blocks([(0, 1001, 6), (6, 1007, 6)], blockSize: 1024), fileSize: 12 * kiB, pageSize: 4096,
            maxPages: 3, path: "/swapfile")
        #expect(activation.extents == [SwapExtent(swapPage: 0, physicalPage: 251, pages: 2)])
        #expect(activation.pages == 1)
    }

    @Test func sixteenKiBPagesOverFourKiBBlocksLoseTheUnalignedEnds() {
        // A 1 MiB file at 4K block 1001 seen by a 16K-page kernel: bytes 4100096..5148672 -> pages 251..313.
        let activation = ActivationSimulator.iomap(
            extents: blocks([(0, 1001, 256)], blockSize: 4096), fileSize: mebibyte, pageSize: 16384, maxPages: 64,
            path: "/swapfile")
        #expect(activation.extents == [SwapExtent(swapPage: 0, physicalPage: 251, pages: 63)])
        #expect(activation.pages == 62)
        #expect(activation.spanPages == 62)
        #expect(activation.lowestPhysicalPage == 252)
        #expect(activation.highestPhysicalPage == 313)
    }

    @Test func fileLongerThanItsHeaderStopsContributingOnceFull() {
        // E2c: runs after the header is full are skipped entirely (no span update either).
        let activation = ActivationSimulator.iomap(
            extents: blocks([(0, 1000, 10), (10, 9000, 10)], blockSize: 4096), fileSize: 20 * 4096, pageSize: 4096,
            maxPages: 10, path: "/swapfile")
        #expect(activation.extents == [SwapExtent(swapPage: 0, physicalPage: 1000, pages: 10)])
        #expect(activation.extentCount == 1)
        #expect(activation.highestPhysicalPage == 1009)
        #expect(activation.spanPages == 9)
    }
}
