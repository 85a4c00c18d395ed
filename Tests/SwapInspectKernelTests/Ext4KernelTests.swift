import Foundation
import SwapInspectCore
import SwapInspectTestSupport
import Testing

/// A swap file the kernel must refuse, and the words it must use.
struct RefusalCase: Sendable, CustomTestStringConvertible {
    var name: String
    var build: @Sendable (String) throws -> Void
    var activator: Activator
    var code: FindingCode
    /// The kernel's message for the file at the given canonical path.
    var kernelMessage: @Sendable (String) -> String

    var testDescription: String { name }

    static let ext4FourKiB: [RefusalCase] = [
        RefusalCase(
            name: "sparse file (truncate + mkswap)",
            build: { path in
                try SwapFile.sparse(path, bytes: 8 << 20)
                try SwapFile.mkswap(path)
            },
            activator: .syscall, code: .holes,
            kernelMessage: { "swapon: file \($0) has unallocated extents" }),
        RefusalCase(
            name: "random bytes, no signature",
            build: { path in try SwapFile.dd(path, mebibytes: 4, from: "/dev/urandom") },
            activator: .syscall, code: .noSignature,
            kernelMessage: { _ in "Unable to find swap-space signature" }),
        RefusalCase(
            name: "last_page one past the file",
            build: { path in
                try SwapFile.dd(path, mebibytes: 4)
                try SwapFile.mkswap(path)
                // 4 MiB = 1024 pages: last_page 1024 claims 1025.
                try SwapFile.forgeLastPage(path, 1024)
            },
            activator: .utilLinux, code: .tooSmall,
            kernelMessage: { _ in "Swap area shorter than signature indicates" }),
    ]
}

extension SwapInspectKernelTests {
    @Suite("ext4, 4 KiB blocks", .serialized)
    struct Ext4FourKiB {
        @Test func contiguousDdFileIsOneExtentSpanningItself() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 16)
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.sizeKiB == 16380 && line.extents == 1 && line.acrossKiB == 16380)
            }
        }

        @Test func fileInSingleBlockGapsGetsOneExtentPerPiece() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = try Fragmenter.swapFile(
                    "swapfile", bytes: 2 << 20, in: filesystem, pattern: GapPattern(keep: 1, gap: 1, spacerBlocks: 2048))
                let result = try GroundTruth.compare(path)
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.extents > 100, "the fixture did not fragment the file")
                // Every piece is one whole page on its own: nothing merges, nothing is lost.
                #expect(line.extents == result.facts.extents.count)
                #expect(line.acrossKiB > line.sizeKiB)
            }
        }

        /// §6 E2c: the header stops the file at 500 pages, but `across` still runs to the end of the
        /// run the last page came from.
        @Test func headerShorterThanFileSpansTheUnclampedRun() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 4)
                try SwapFile.mkswap(path, sizeKiB: 2000)
                let result = try GroundTruth.compare(path)
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.sizeKiB == 1996 && line.extents == 1 && line.acrossKiB == 4092)
            }
        }

        @Test func preallocatedUnwrittenFileIsAccepted() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.fallocate(path, bytes: 16 << 20)
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                #expect(result.facts.extents.contains { $0.flags.contains(.unwritten) }, "mkswap wrote every extent")
                #expect(result.kernel.accepted)
            }
        }

        /// `SS` comes from the file system's device (`si->bdev`), read from queue/rotational.
        @Test func fileOnNonRotationalDeviceIsMarkedSolidState() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                try filesystem.setRotational(false)
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 4)
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.addingLine?.hasSuffix(" SS") == true)
            }
        }

        /// Priorities are global (≤6.18 `least_priority`): with an auto-priority area already active the
        /// next one gets one less, and the prediction reads that from /proc/swaps.
        @Test func areaActivatedAfterAnotherGetsTheNextLowerPriority() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let first = filesystem.path("first")
                let second = filesystem.path("second")
                for path in [first, second] {
                    try SwapFile.dd(path, mebibytes: 4)
                    try SwapFile.mkswap(path)
                }
                let firstCanonical = try Kernel.canonicalPath(first)
                try Tool.run("swapon", [first])
                defer {
                    let code = ActiveSwaps.swapoff(firstCanonical)
                    #expect(code == 0, "swapoff \(firstCanonical): \(LibC.describe(code))")
                }
                let active = try #require(
                    ProcSwaps.parse(try String(contentsOfFile: "/proc/swaps", encoding: .utf8)).first { $0.name == firstCanonical })
                let result = try GroundTruth.compare(second)
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.priority == min(active.priority, -1) - 1)
                #expect(result.facts.priority == line.priority)
            }
        }

        @Test(arguments: RefusalCase.ext4FourKiB)
        func refusedFileGetsTheKernelsMessage(_ refusal: RefusalCase) throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                try refusal.build(path)
                let result = try GroundTruth.compare(path, via: refusal.activator)
                #expect(!result.kernel.accepted)
                #expect(result.kernel.refusalMessages == [refusal.kernelMessage(try Kernel.canonicalPath(path))])
                #expect(result.activation?.refusal?.finding.code == refusal.code)
            }
        }
    }

    @Suite("ext4, 2 KiB and 1 KiB blocks", .serialized)
    struct Ext4SmallBlocks {
        /// A 4 MiB dd file fits one block group, so it is one run; at most its unaligned head and tail
        /// blocks are lost, one page in all.
        @Test(arguments: [2048, 1024])
        func singleRunFileLosesAtMostOnePageToAlignment(blockSize: Int) throws {
            try LoopFilesystem.with(.ext4(blockSize: blockSize)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 4)
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                #expect(result.facts.extents.count == 1, "the fixture is not a single run")
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.extents == 1)
                #expect(line.sizeKiB >= 4092 - 4)
            }
        }

        /// An 8 MiB dd file cannot fit one 8 MiB block group of a 1 KiB file system: the group's
        /// metadata splits it, and each run loses its own unaligned ends.
        @Test func fileAcrossBlockGroupsLosesPagesAtEachRun() throws {
            try LoopFilesystem.with(.ext4(blockSize: 1024)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 8)
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                #expect(result.facts.extents.count > 1, "the fixture is a single run")
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.extents > 1)
            }
        }

        /// §6 E8: iomap maps only whole file pages; the 1000-byte tail never becomes swap, whatever
        /// the block size.
        @Test(arguments: [4096, 2048, 1024])
        func partialLastPageIsNeverUsed(blockSize: Int) throws {
            try LoopFilesystem.with(.ext4(blockSize: blockSize)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 1)
                try SwapFile.append(path, bytes: 1000)
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                #expect(result.facts.size == (1 << 20) + 1000)
                #expect(result.kernel.accepted)
            }
        }

        /// Gaps that start at every block offset within a page: some pieces hold a whole aligned page,
        /// others none, and the kernel's page count is what survives (§2.3 whole-page waste).
        @Test(arguments: [
            (2048, GapPattern(keep: 1, gap: 2, spacerBlocks: 8192)),
            (1024, GapPattern(keep: 1, gap: 6, spacerBlocks: 16384)),
        ])
        func unalignedPiecesLoseTheSamePagesAsTheKernel(blockSize: Int, pattern: GapPattern) throws {
            try LoopFilesystem.with(.ext4(blockSize: blockSize)) { filesystem in
                let path = try Fragmenter.swapFile("swapfile", bytes: 4 << 20, in: filesystem, pattern: pattern)
                let result = try GroundTruth.compare(path)
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.sizeKiB < 4092, "no page was lost to misalignment")
                #expect(line.extents > 100, "the fixture did not fragment the file")
                #expect(result.report.findings.contains { $0.code == .misalignedPages })
            }
        }

        /// §6 F2: three 1 KiB blocks never hold an aligned 4 KiB page.
        @Test func threeBlockGapsHoldNoUsablePage() throws {
            try LoopFilesystem.with(.ext4(blockSize: 1024)) { filesystem in
                let path = try Fragmenter.swapFile(
                    "swapfile", bytes: 1 << 20, in: filesystem, pattern: GapPattern(keep: 1, gap: 3, spacerBlocks: 8192))
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.refusalMessages == ["swapon: Cannot find a single usable page in file."])
                #expect(result.activation?.refusal?.finding.code == .noUsablePages)
            }
        }
    }
}
