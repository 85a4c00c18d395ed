import SwapInspectCore
import Testing

/// `generic_swapfile_activate` (mm/page_io.c), docs/kernel-rules.md §2.2, and the synthetic vectors G1–G5 of §6,
/// each run through both the generic and the iomap model on the same layout.
@Suite("generic (bmap) activation model")
struct GenericModelTests {
    enum Outcome: Sendable, Equatable {
        case adding(kib: UInt64, extents: Int, acrossKiB: UInt64)
        case refused(FindingCode, String)
    }

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        /// (logical, physical, length) in 1 KiB blocks.
        var runs: [(UInt64, UInt64, UInt64)]
        var fileSize: UInt64
        var maxPages: UInt64
        var generic: Outcome
        var iomap: Outcome

        var testDescription: String { name }
        var extents: [FileExtent] { blocks(runs, blockSize: 1024) }
    }

    static let path = "/mnt/t/g/sw"

    static let vectors: [Vector] = [
        Vector(name: "G1", runs: [(0, 1002, 10), (10, 2000, 30)], fileSize: 40960, maxPages: 10,
               generic: .adding(kib: 32, extents: 2, acrossKiB: 1020),
               iomap: .adding(kib: 32, extents: 2, acrossKiB: 1020)),
        Vector(name: "G2", runs: [(0, 1002, 10), (10, 2000, 30)], fileSize: 40960, maxPages: 5,
               generic: .adding(kib: 16, extents: 2, acrossKiB: 1004),
               iomap: .adding(kib: 16, extents: 2, acrossKiB: 1020)),
        Vector(name: "G3", runs: [(0, 4002, 42)], fileSize: 43008, maxPages: 10,
               generic: .adding(kib: 36, extents: 1, acrossKiB: 36),
               iomap: .adding(kib: 32, extents: 1, acrossKiB: 32)),
        Vector(name: "G4", runs: [(0, 1002, 10), (10, 2000, 20), (32, 2032, 8)], fileSize: 40960, maxPages: 5,
               generic: .adding(kib: 16, extents: 2, acrossKiB: 1004),
               iomap: .refused(.holes, "swapon: file \(path) has unallocated extents")),
        Vector(name: "G5", runs: [(0, 1002, 10), (10, 2000, 20), (32, 2032, 8)], fileSize: 40960, maxPages: 10,
               generic: .refused(.holes, "swapon: swapfile has holes"),
               iomap: .refused(.holes, "swapon: file \(path) has unallocated extents")),
    ]

    func outcome(_ activation: Activation) -> Outcome {
        if let refusal = activation.refusal {
            return .refused(refusal.finding.code, refusal.kernelMessage ?? "")
        }
        return .adding(kib: kib4(activation.pages), extents: activation.extentCount, acrossKiB: kib4(activation.spanPages))
    }

    @Test(arguments: vectors)
    func genericModelMatchesTheReferenceSimulation(_ vector: Vector) {
        let activation = ActivationSimulator.generic(
            extents: vector.extents, fileSize: vector.fileSize, blockSize: 1024, pageSize: 4096,
            maxPages: vector.maxPages, path: Self.path)
        #expect(activation.model == .generic)
        #expect(outcome(activation) == vector.generic)
    }

    @Test(arguments: vectors)
    func iomapModelOnTheSameLayout(_ vector: Vector) {
        let activation = ActivationSimulator.iomap(
            extents: vector.extents, fileSize: vector.fileSize, pageSize: 4096, maxPages: vector.maxPages, path: Self.path)
        #expect(outcome(activation) == vector.iomap)
    }

    @Test func g1WalkThroughSlidesOneBlockAtATime() {
        // Probes 0 and 1 are misaligned (1002 % 4 = 2); probe 2 -> ppage 251 (header), probe 6 -> 252 (merges),
        // probe 10 -> 500 (new extent) ... probe 34 -> 506; probe 38 + 4 > 40 stops.
        let activation = ActivationSimulator.generic(
            extents: blocks([(0, 1002, 10), (10, 2000, 30)], blockSize: 1024), fileSize: 40960, blockSize: 1024,
            pageSize: 4096, maxPages: 10, path: Self.path)
        #expect(activation.extents == [
            SwapExtent(swapPage: 0, physicalPage: 251, pages: 2),
            SwapExtent(swapPage: 2, physicalPage: 500, pages: 7),
        ])
        #expect(activation.maxPages == 9)
        #expect(activation.pages == 8)
        #expect(activation.lowestPhysicalPage == 252)
        #expect(activation.highestPhysicalPage == 506)
        #expect(activation.spanPages == 255)
        #expect(activation.resumeOffset == 251)
    }

    @Test func g3GenericUsesBlocksUpToTheLastWholeBlockNotTheLastWholePage() {
        // probe 2..38 -> pages 1001..1010: the 42-block file gives generic one page more than iomap.
        let generic = ActivationSimulator.generic(
            extents: blocks([(0, 4002, 42)], blockSize: 1024), fileSize: 43008, blockSize: 1024, pageSize: 4096,
            maxPages: 10, path: Self.path)
        #expect(generic.extents == [SwapExtent(swapPage: 0, physicalPage: 1001, pages: 10)])
        #expect(generic.lowestPhysicalPage == 1002)
        #expect(generic.highestPhysicalPage == 1010)
        let iomap = ActivationSimulator.iomap(
            extents: blocks([(0, 4002, 42)], blockSize: 1024), fileSize: 43008, pageSize: 4096, maxPages: 10,
            path: Self.path)
        #expect(iomap.extents == [SwapExtent(swapPage: 0, physicalPage: 1001, pages: 9)])
        #expect(iomap.maxPages == 9)
    }

    @Test func pageSizedBlocksOnAContiguousFileAgreeWithIomap() {
        let extents = blocks([(0, 4139, 4096)], blockSize: 4096)
        let generic = ActivationSimulator.generic(
            extents: extents, fileSize: 16 * mebibyte, blockSize: 4096, pageSize: 4096, maxPages: 4096, path: Self.path)
        #expect(kib4(generic.pages) == 16380)
        #expect(generic.extentCount == 1)
        #expect(kib4(generic.spanPages) == 16380)
        #expect(generic.lowestPhysicalPage == 4140)
        #expect(generic.highestPhysicalPage == 8234)
    }

    @Test func unwrittenExtentReadsAsAHoleThroughBmap() {
        // bmap returns 0 for preallocated blocks: a fallocated file on a bmap-only fs "has holes".
        let extents = blocks([(0, 4096, 1)], blockSize: 4096) + blocks([(1, 4097, 255)], blockSize: 4096, flags: .unwritten)
        let activation = ActivationSimulator.generic(
            extents: extents, fileSize: 256 * 4096, blockSize: 4096, pageSize: 4096, maxPages: 256, path: Self.path)
        #expect(activation.refusal?.kernelMessage == "swapon: swapfile has holes")
        #expect(activation.refusal?.finding.code == .holes)
    }

    @Test func noAlignedPageAnywhereIsAnEmptySwapFile() {
        // page_no == 0 is forced to 1, so the kernel says "Empty swap-file" (not "no usable page").
        let runs: [(UInt64, UInt64, UInt64)] = (0..<UInt64(10)).map { (index: UInt64) in (index * 3, 3001 + index * 5, 3) }
        let activation = ActivationSimulator.generic(
            extents: blocks(runs, blockSize: 1024), fileSize: 30 * kiB, blockSize: 1024, pageSize: 4096, maxPages: 7,
            path: Self.path)
        #expect(activation.refusal?.kernelMessage == "Empty swap-file")
        #expect(activation.refusal?.finding.code == .emptySwap)
    }

    @Test func headerLimitStopsTheScanBeforeLaterHoles() {
        // G4 in 4K blocks: two pages wanted, the hole at block 5 is never probed.
        let activation = ActivationSimulator.generic(
            extents: blocks([(0, 100, 4)], blockSize: 4096), fileSize: 8 * 4096, blockSize: 4096, pageSize: 4096,
            maxPages: 2, path: Self.path)
        #expect(activation.ok)
        #expect(activation.pages == 1)
        #expect(activation.extents == [SwapExtent(swapPage: 0, physicalPage: 100, pages: 2)])
    }
}

@Suite("generic model input limits")
struct GenericModelLimitTests {
    @Test func blocksLargerThanAPageAreRefusedNotDividedByZero() {
        // §1.2 step 11 (≥6.12): a mapping with min folio order > 0 (block > PAGE) fails with EINVAL, silently,
        // before any activator runs; bpp = PAGE/B would be 0 here.
        let activation = ActivationSimulator.generic(
            extents: blocks([(0, 100, 16)], blockSize: 16384), fileSize: 16 * 16384, blockSize: 16384, pageSize: 4096,
            maxPages: 64, path: "/mnt/t/lbs/sw")
        #expect(activation.ok == false)
        #expect(activation.refusal?.errno == .invalidArgument)
        #expect(activation.refusal?.kernelMessage == nil)
    }
}
