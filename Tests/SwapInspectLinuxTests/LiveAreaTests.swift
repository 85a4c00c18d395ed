import Foundation
import SwapInspectCore
import SystemPackage
import Testing

@testable import SwapInspectLinux

@Suite("Live adapter on real files")
struct LiveAreaTests {
    @Test func writtenFileMapsWithoutHolesAndCoversItsSize() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/written"
        try Scratch.writeZeros(path, bytes: 4 << 20)
        let facts = try LiveArea.facts(for: path)
        #expect(facts.kind == .file)
        #expect(facts.source == .fiemap)
        #expect(facts.size == 4 << 20)
        var position: UInt64 = 0
        for extent in facts.extents {
            #expect(extent.logical == position, "no hole before \(extent.logical)")
            position = extent.logicalEnd
        }
        #expect(position >= 4 << 20)
        #expect(facts.path == (canonicalPath(path) ?? ""))
    }

    @Test func fibmapAgreesWithFiemapOnAWrittenFile() throws {
        guard getuid() == 0 else {
            print("skipped fibmapAgreesWithFiemapOnAWrittenFile: FIBMAP needs root (CAP_SYS_RAWIO)")
            return
        }
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/written"
        try Scratch.writeZeros(path, bytes: 2 << 20)
        let fiemap = try LiveArea.facts(for: path, options: LiveOptions(mapper: .fiemap))
        let fibmap = try LiveArea.facts(for: path, options: LiveOptions(mapper: .fibmap))
        #expect(fibmap.source == .fibmap)
        #expect(fibmap.notes.contains { $0.contains("unwritten") })
        // FIEMAP may split where FIBMAP merges: compare the block-by-block mapping.
        func blocks(_ extents: [FileExtent]) -> [UInt64: UInt64] {
            var map: [UInt64: UInt64] = [:]
            for extent in extents {
                var offset: UInt64 = 0
                while offset < extent.length {
                    map[(extent.logical + offset) / 4096] = (extent.physical + offset) / 4096
                    offset += 4096
                }
            }
            return map
        }
        #expect(blocks(fiemap.extents) == blocks(fibmap.extents))
    }

    /// FIBMAP asks block by block; holes are skipped with SEEK_DATA, so a 2 TiB sparse file with two data
    /// blocks costs two blocks, not half a billion ioctls (minutes), and maps as FIEMAP does.
    @Test(.timeLimit(.minutes(1)))
    func fibmapSkipsTheHolesOfAHugeSparseFile() throws {
        guard getuid() == 0 else {
            print("skipped fibmapSkipsTheHolesOfAHugeSparseFile: FIBMAP needs root (CAP_SYS_RAWIO)")
            return
        }
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/sparse"
        let size: Int64 = 2 << 40
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        #expect(fd >= 0)
        let block = [UInt8](repeating: 0xA5, count: 4096)
        for offset in [0, size - 4096] {
            #expect(block.withUnsafeBytes { pwrite(fd, $0.baseAddress, 4096, off_t(offset)) } == 4096)
        }
        #expect(fsync(fd) == 0)
        close(fd)
        let fiemap = try LiveArea.facts(for: path, options: LiveOptions(mapper: .fiemap))
        let fibmap = try LiveArea.facts(for: path, options: LiveOptions(mapper: .fibmap))
        #expect(fibmap.source == .fibmap)
        #expect(fibmap.extents.map(\.logical) == [0, UInt64(size) - 4096])
        #expect(fibmap.extents.map(\.physical) == fiemap.extents.map(\.physical))
    }

    @Test func fallocatedExtentsAreReportedUnwritten() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/prealloc"
        #expect(try Scratch.run(["fallocate", "-l", "1M", path]) == 0)
        let facts = try LiveArea.facts(for: path)
        #expect(!facts.extents.isEmpty)
        #expect(facts.extents.allSatisfy { $0.flags.contains(.unwritten) })
    }

    @Test func fiemapBatchesAcrossMoreExtentsThanOneCallHolds() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/holey"
        let blocks = Int(ExtentMapper.fiemapBatch) * 2 + 100
        // Every other 4K block zero, then dig those out as holes: one extent per remaining block.
        var bytes = [UInt8](repeating: 0, count: blocks * 4096)
        bytes.withUnsafeMutableBytes { buffer in
            for block in stride(from: 0, to: blocks, by: 2) {
                memset(buffer.baseAddress! + block * 4096, 0xA5, 4096)
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try Scratch.run(["fallocate", "--dig-holes", path]) == 0)
        try Scratch.run(["sync", path])
        let facts = try LiveArea.facts(for: path)
        #expect(facts.extents.count == (blocks + 1) / 2)
        #expect(facts.extents.enumerated().allSatisfy { index, extent in extent.logical == UInt64(index * 2 * 4096) })
        #expect(facts.extents.last?.flags.contains(.last) == true)
    }

    /// The walk hands batches over from a helper thread through two slots: with several batches each
    /// slot is reused, and every extent must arrive once, in file order.
    @Test func fiemapWalkKeepsEveryExtentInOrderAcrossManyBatches() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let xfsIOFound = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/xfs_io") }
        if !xfsIOFound && ProcessInfo.processInfo.environment["CI"] != "true" {
            print("skipped: xfs_io (xfsprogs, make deps) is not installed")
            try Test.cancel("xfs_io (xfsprogs) is not installed")
        }
        let path = "\(dir)/punched"
        let extents = Int(ExtentMapper.fiemapBatch) * 7 / 2
        let blocks = 2 * extents - 1
        // Preallocated (no data written), then every other 4K block punched out: one unwritten extent per
        // remaining block. xfs_io takes the commands on standard input.
        var script = "falloc 0 \(blocks * 4096)\n"
        for block in stride(from: 1, to: blocks, by: 2) { script += "fpunch \(block * 4096) 4096\n" }
        try script.write(toFile: "\(dir)/script", atomically: false, encoding: .utf8)
        let xfsIO = Process()
        xfsIO.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        xfsIO.arguments = ["xfs_io", "-f", path]
        xfsIO.standardInput = FileHandle(forReadingAtPath: "\(dir)/script")
        try xfsIO.run()
        xfsIO.waitUntilExit()
        #expect(xfsIO.terminationStatus == 0)
        let facts = try LiveArea.facts(for: path)
        #expect(facts.extents.count == extents)
        #expect(facts.extents.enumerated().allSatisfy { index, extent in
            extent.logical == UInt64(index * 2 * 4096) && extent.length == 4096 && extent.flags.contains(.unwritten)
        })
        #expect(Set(facts.extents.map(\.physical)).count == extents)
        #expect(facts.extents.indices.allSatisfy { facts.extents[$0].flags.contains(.last) == ($0 == extents - 1) })
    }

    @Test func fifoIsClassifiedWithoutBlocking() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/fifo"
        #expect(mkfifo(path, 0o600) == 0)
        let facts = try LiveArea.facts(for: path)
        #expect(facts.kind == .other)
        #expect(facts.specialFile == .fifo)
        #expect(facts.specialFile?.swaponErrno == .invalidArgument)
    }

    @Test func directoryIsClassifiedAsEISDIR() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let facts = try LiveArea.facts(for: dir)
        #expect(facts.kind == .other)
        #expect(facts.specialFile?.swaponErrno == .isDirectory)
    }

    @Test func danglingSymlinkIsNamedAsSuch() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let link = "\(dir)/link"
        #expect(symlink("\(dir)/nowhere", link) == 0)
        let error = #expect(throws: AreaError.self, "a dangling symlink must not inspect") { try LiveArea.facts(for: link) }
        #expect(error?.description.contains("dangling symbolic link to \(dir)/nowhere") == true)
        #expect(error?.errno == .noSuchFileOrDirectory)
    }

    @Test func missingPathReportsENOENT() {
        let error = #expect(throws: AreaError.self, "a missing path must not inspect") {
            try LiveArea.facts(for: "/nonexistent/swapinspect")
        }
        #expect(error?.description == "/nonexistent/swapinspect: cannot stat: No such file or directory")
        #expect(error?.errno == .noSuchFileOrDirectory)
    }

    @Test func headerBytesAreReadUpTo64KiBAndNoMore() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let small = "\(dir)/small", large = "\(dir)/large"
        try Scratch.writeZeros(small, bytes: 100)
        try Scratch.writeZeros(large, bytes: 1 << 20)
        #expect(try LiveArea.facts(for: small).headerBytes.count == 100)
        #expect(try LiveArea.facts(for: large).headerBytes.count == SwapHeaderLayout.probeLength)
    }

    @Test func procSwapsMatchingUsesTheInodeNotTheName() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/a"
        try Scratch.writeZeros(path, bytes: 4096)
        #expect(symlink(path, "\(dir)/alias") == 0)
        let status = try Stat.stat(path)
        let entries = [ProcSwapsEntry(name: "\(dir)/alias", type: "file", sizeKiB: 0, usedKiB: 0, priority: -2)]
        #expect(LiveArea.activeEntry(entries, matching: status)?.name == "\(dir)/alias")
        let deleted = [ProcSwapsEntry(name: path, type: "file", sizeKiB: 0, usedKiB: 0, priority: -2, deleted: true)]
        #expect(LiveArea.activeEntry(deleted, matching: status) == nil)
    }

    @Test func fileSystemOfScratchIsClassified() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/f"
        try Scratch.writeZeros(path, bytes: 8192)
        let facts = try LiveArea.facts(for: path)
        let filesystem = try #require(facts.filesystem)
        #expect(filesystem.blockSize > 0)
        if ["ext2", "ext3", "ext4", "xfs"].contains(filesystem.kind.name) {
            #expect(filesystem.kind.swapSupport == .activates(.iomap))
        }
    }
}
