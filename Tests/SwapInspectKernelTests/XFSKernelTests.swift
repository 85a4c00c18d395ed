import Foundation
import SwapInspectCore
import Testing

/// Which of two reflinked files is activated.
enum ReflinkSide: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case copy, original
    var testDescription: String { rawValue }
}

extension SwapInspectKernelTests {
    @Suite("XFS, 4 KiB and 1 KiB blocks", .serialized)
    struct XFS {
        @Test(arguments: [4096, 1024])
        func contiguousDdFileIsOneExtent(blockSize: Int) throws {
            try LoopFilesystem.with(.xfs(blockSize: blockSize)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 32)
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.extents == 1)
            }
        }

        /// Without reflink and the free-inode btree XFS keeps no per-AG reservation, which would leave
        /// free space the filler cannot take and the swap file would land there in one piece.
        @Test(arguments: [
            (4096, GapPattern(keep: 1, gap: 1, spacerBlocks: 2048)),
            (1024, GapPattern(keep: 1, gap: 6, spacerBlocks: 16384)),
        ])
        func fileInGapsMatchesTheKernelExtentByExtent(blockSize: Int, pattern: GapPattern) throws {
            try LoopFilesystem.with(.xfs(blockSize: blockSize, options: ["-m", "reflink=0,finobt=0"])) { filesystem in
                let path = try Fragmenter.swapFile("swapfile", bytes: 2 << 20, in: filesystem, pattern: pattern)
                let result = try GroundTruth.compare(path)
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.extents > 100, "the fixture did not fragment the file")
            }
        }

        /// §6 X2: after `cp --reflink=always` both files' extents are shared, and swapon refuses either.
        @Test(arguments: [4096, 1024], ReflinkSide.allCases)
        func reflinkedFileIsRefusedAsShared(blockSize: Int, side: ReflinkSide) throws {
            try LoopFilesystem.with(.xfs(blockSize: blockSize)) { filesystem in
                let original = filesystem.path("original")
                let copy = filesystem.path("copy")
                try SwapFile.dd(original, mebibytes: 16)
                try SwapFile.mkswap(original)
                try SwapFile.reflinkCopy(original, to: copy)
                let path = side == .copy ? copy : original
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.refusalMessages == ["swapon: file \(try Kernel.canonicalPath(path)) has shared extents"])
                #expect(result.activation?.refusal?.finding.code == .sharedExtents)
            }
        }

        /// §6 X2, second half: once the copy is deleted and synced, nothing shares the original's
        /// extents any more and the kernel takes it.
        @Test func originalIsAcceptedOnceItsReflinkedCopyIsDeleted() throws {
            try LoopFilesystem.with(.xfs(blockSize: 4096)) { filesystem in
                let original = filesystem.path("original")
                let copy = filesystem.path("copy")
                try SwapFile.dd(original, mebibytes: 16)
                try SwapFile.mkswap(original)
                try SwapFile.reflinkCopy(original, to: copy)
                try FileManager.default.removeItem(atPath: copy)
                let result = try GroundTruth.compare(original)
                #expect(result.kernel.accepted)
            }
        }
    }
}
