import Foundation
import SwapInspectCore
import SwapInspectTestSupport
import Testing

extension SwapInspectKernelTests {
    /// XFS swap files audited offline with `swapinspect image` (xfs_db -r, no mount), compared with the
    /// online prediction for the same file and with what the kernel did when it was activated
    /// (GroundTruth.compare): offline == online == kernel.
    @Suite("XFS offline (xfs_db) against online and the kernel", .serialized)
    struct XFSOffline {
        /// The offline report of `/NAME` in the file system's image: the online file system is remounted
        /// read-only first, which writes everything back (xfs_log_quiesce) so xfs_db sees it all.
        static func offline(_ filesystem: LoopFilesystem, _ name: String, extra: [String] = []) throws -> [String: Any] {
            try Tool.run("mount", ["-o", "remount,ro", filesystem.mountPoint])
            defer { _ = try? Tool.run("mount", ["-o", "remount,rw", filesystem.mountPoint], check: false) }
            let result = try BuiltBinary.run(["image", "--json", "--page-size", "\(kernelTestPageSize)", "--path", "/\(name)"] + extra + [filesystem.image])
            let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] ?? [:]
            let reports = document["reports"] as? [[String: Any]] ?? []
            #expect(reports.count == 1, "\(result.stderr)")
            return reports.first ?? [:]
        }

        /// Offline and online agree on everything the kernel shows, and offline names xfs_db as its source.
        static func expectSame(_ offline: [String: Any], _ online: Comparison, name: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(offline["source"] as? String == "xfs_db", sourceLocation: sourceLocation)
            online.expectOfflineActivation(offline, sourceLocation: sourceLocation)
            let activation = offline["activation"] as? [String: Any] ?? [:]
            let predicted = online.activation
            if predicted?.ok == true {
                #expect((activation["lowestPhysicalPage"] as? NSNumber)?.uint64Value == predicted?.lowestPhysicalPage, sourceLocation: sourceLocation)
                #expect((activation["highestPhysicalPage"] as? NSNumber)?.uint64Value == predicted?.highestPhysicalPage, sourceLocation: sourceLocation)
            }
            // The kernel's line names the online path; offline it is the path inside the image.
            let kernelLine = online.kernel.addingLine ?? online.kernel.refusalMessages.first
            let offlineLine = (activation["kernelLog"] as? String) ?? (activation["kernelMessage"] as? String)
            let canonical = online.facts.path
            #expect(offlineLine.map { $0.replacingOccurrences(of: "/\(name)", with: canonical) } == kernelLine, sourceLocation: sourceLocation)
            online.expectOfflineFindings(offline, sourceLocation: sourceLocation)
        }

        @Test(arguments: [4096, 1024])
        func contiguousFile(blockSize: Int) throws {
            try LoopFilesystem.with(.xfs(blockSize: blockSize)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 32)
                try SwapFile.mkswap(path)
                try SwapFile.chmod600(path)
                let online = try GroundTruth.compare(path)
                #expect(online.kernel.accepted)
                Self.expectSame(try Self.offline(filesystem, "swapfile"), online, name: "swapfile")
            }
        }

        @Test(arguments: [
            (4096, GapPattern(keep: 1, gap: 1, spacerBlocks: 2048)),
            (1024, GapPattern(keep: 1, gap: 6, spacerBlocks: 16384)),
        ])
        func fragmentedFile(blockSize: Int, pattern: GapPattern) throws {
            try LoopFilesystem.with(.xfs(blockSize: blockSize, options: ["-m", "reflink=0,finobt=0"])) { filesystem in
                let path = try Fragmenter.swapFile("swapfile", bytes: 2 << 20, in: filesystem, pattern: pattern)
                let online = try GroundTruth.compare(path)
                let line = try #require(AddingLine(online.kernel.addingLine))
                #expect(line.extents > 100, "the fixture did not fragment the file")
                Self.expectSame(try Self.offline(filesystem, "swapfile"), online, name: "swapfile")
            }
        }

        @Test(arguments: ReflinkSide.allCases)
        func reflinkedFile(side: ReflinkSide) throws {
            try LoopFilesystem.with(.xfs(blockSize: 4096)) { filesystem in
                let original = filesystem.path("original")
                try SwapFile.dd(original, mebibytes: 16)
                try SwapFile.mkswap(original)
                try SwapFile.chmod600(original)
                try SwapFile.reflinkCopy(original, to: filesystem.path("copy"))
                let name = side == .copy ? "copy" : "original"
                let online = try GroundTruth.compare(filesystem.path(name))
                #expect(!online.kernel.accepted)
                let offline = try Self.offline(filesystem, name)
                Self.expectSame(offline, online, name: name)
                let codes = (offline["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(codes.contains("shared-extents"))
            }
        }

        /// fallocate leaves unwritten extents, which iomap accepts; xfs_db's bmap flag says which they are.
        @Test func preallocatedFileWithUnwrittenExtents() throws {
            try LoopFilesystem.with(.xfs(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.fallocate(path, bytes: 32 << 20)
                try SwapFile.mkswap(path)
                try SwapFile.chmod600(path)
                let online = try GroundTruth.compare(path)
                #expect(online.kernel.accepted)
                #expect(online.facts.extents.contains { $0.flags.contains(.unwritten) })
                let offline = try Self.offline(filesystem, "swapfile")
                Self.expectSame(offline, online, name: "swapfile")
                let codes = (offline["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(codes.contains("unwritten-extents"))
            }
        }
    }
}
