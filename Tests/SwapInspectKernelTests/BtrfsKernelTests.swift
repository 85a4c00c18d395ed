import Foundation
import Glibc
import SwapInspectCore
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

// btrfs swap files on loop-mounted btrfs, predicted by LiveArea + Inspector and activated by the real
// kernel (`btrfs_swap_activate`, docs/kernel-rules.md §2.4, §6 T1–T8). Where the kernel's resume_offset rule
// and btrfs-progs' agree, the prediction must also equal `btrfs inspect-internal map-swapfile -r`.

/// btrfs-progs and e2fsprogs tools the btrfs tests need on top of the harness's.
enum BtrfsPrerequisites {
    static let tools = ["mkfs.btrfs", "btrfs", "chattr", "lsattr", "xfs_io"]

    static let missing: [String] = {
        var missing = tools.filter { Tool.locate($0) == nil }.map { "\($0) not found" }
        if missing.isEmpty, let help = try? Tool.run("btrfs", ["inspect-internal", "map-swapfile", "--help"], check: false),
            help.status != 0 && !help.stdoutText.contains("map-swapfile")
        {
            missing.append("btrfs inspect-internal map-swapfile is missing (btrfs-progs < 6.1)")
        }
        return missing
    }()

    static var shouldRun: Bool { missing.isEmpty || KernelPrerequisites.requiredByCI }

    static func require() throws {
        try KernelPrerequisites.require()
        guard missing.isEmpty else { throw TestSupportError("btrfs tests need: \(missing.joined(separator: "; "))") }
    }
}

/// Ways people make swap files on btrfs, and ways that go wrong.
enum BtrfsFile {
    /// `btrfs filesystem mkswapfile --size SIZE PATH` (btrfs-progs 6.1+): NOCOW, preallocated, mkswap'd.
    static func mkswapfile(_ path: String, size: String) throws {
        try Tool.run("btrfs", ["filesystem", "mkswapfile", "--size", size, path])
    }

    /// The documented recipe: an empty file, `chattr +C`, then data, then mkswap.
    static func noCow(_ path: String, mebibytes: Int) throws {
        close(try SwapFile.create(path))
        try Tool.run("chattr", ["+C", path])
        try Tool.run("dd", ["if=/dev/zero", "of=\(path)", "bs=1M", "count=\(mebibytes)", "conv=notrunc", "status=none"])
        try SwapFile.mkswap(path)
    }

    /// The attributes lsattr shows (`---------------C------` -> contains "C").
    static func attributes(_ path: String) throws -> String {
        let output = try Tool.run("lsattr", [path]).stdoutText
        return String(output.split(separator: " ").first ?? "")
    }

    /// `btrfs inspect-internal map-swapfile -r PATH`: the number, or nil when the tool refuses the file.
    static func mapSwapfile(_ path: String) throws -> UInt64? {
        let output = try Tool.run("btrfs", ["inspect-internal", "map-swapfile", "-r", path], check: false)
        guard output.status == 0 else { return nil }
        return UInt64(output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Two NOCOW files written alternately in `piece`-byte pieces, each piece synced before the next, so
    /// their extents interleave on disk (§6 T2). Returns the first file, mkswap'd.
    static func interleaved(_ first: String, _ second: String, bytes: Int, piece: Int = 65536) throws -> String {
        let paths = [first, second]
        var descriptors: [Int32] = []
        defer { descriptors.forEach { close($0) } }
        for path in paths {
            descriptors.append(try SwapFile.create(path))
            try Tool.run("chattr", ["+C", path])
        }
        let zeros = [UInt8](repeating: 0, count: piece)
        var offset = 0
        while offset < bytes {
            for fd in descriptors {
                guard pwrite(fd, zeros, piece, off_t(offset)) == piece, fsync(fd) == 0 else {
                    throw TestSupportError("pwrite/fsync at \(offset): \(LibC.describe(errno))")
                }
            }
            offset += piece
        }
        try SwapFile.mkswap(first)
        return first
    }
}

/// Capabilities are per thread: drop CAP_SYS_ADMIN from this thread's effective set for a moment, the
/// way an unprivileged user lacks it (BTRFS_IOC_TREE_SEARCH_V2 then fails with EPERM), and restore it.
enum Capabilities {
    private typealias CapFunction = @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int32
    /// _LINUX_CAPABILITY_VERSION_3 and CAP_SYS_ADMIN (linux/capability.h).
    static let version3: UInt32 = 0x2008_0522
    static let sysAdmin: UInt32 = 21

    private static func function(_ name: String) throws -> CapFunction {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { throw TestSupportError("libc has no \(name)") }
        return unsafeBitCast(pointer, to: CapFunction.self)
    }

    /// Runs `body` synchronously on this thread without CAP_SYS_ADMIN in the effective set.
    static func withoutSysAdmin<T>(_ body: () throws -> T) throws -> T {
        let capget = try function("capget")
        let capset = try function("capset")
        // struct __user_cap_header_struct { u32 version; int pid; }, two struct __user_cap_data_struct
        // { u32 effective, permitted, inheritable; }; pid 0 = the calling thread.
        var header: [UInt32] = [version3, 0]
        var saved = [UInt32](repeating: 0, count: 6)
        guard header.withUnsafeMutableBytes({ h in saved.withUnsafeMutableBytes { capget(h.baseAddress!, $0.baseAddress!) } }) == 0 else {
            throw TestSupportError("capget: \(LibC.describe(errno))")
        }
        var reduced = saved
        reduced[0] &= ~(UInt32(1) << sysAdmin)
        guard header.withUnsafeMutableBytes({ h in reduced.withUnsafeMutableBytes { capset(h.baseAddress!, $0.baseAddress!) } }) == 0 else {
            throw TestSupportError("capset: \(LibC.describe(errno))")
        }
        defer {
            header = [version3, 0]
            if header.withUnsafeMutableBytes({ h in saved.withUnsafeMutableBytes { capset(h.baseAddress!, $0.baseAddress!) } }) != 0 {
                FileHandle.standardError.write(Data("SwapInspectKernelTests: cannot restore CAP_SYS_ADMIN: \(LibC.describe(errno))\n".utf8))
            }
        }
        return try body()
    }
}

extension SwapInspectKernelTests {
    @Suite("btrfs", .serialized, .enabled(if: BtrfsPrerequisites.shouldRun, Comment(rawValue: "btrfs tests skipped: \(BtrfsPrerequisites.missing.joined(separator: "; "))")))
    struct Btrfs {
        /// The kernel's words for the file system on `filesystem`'s first loop device.
        func warning(_ filesystem: LoopFilesystem, _ text: String) -> String {
            "BTRFS warning (device \(filesystem.deviceName)): swapfile \(text)"
        }

        /// An accepted file: the resume_offset the kernel matches is the one map-swapfile prints, and the
        /// report's userspace number is that tool's.
        func expectResumeOffsetsAgreeWithMapSwapfile(_ result: Comparison, _ path: String) throws {
            let mapped = try BtrfsFile.mapSwapfile(path)
            #expect(mapped != nil)
            #expect(result.report.resumeOffset == mapped)
            #expect(result.report.userspaceResumeOffset == mapped)
        }

        /// The extent tree mirror of btrfs_is_data_extent_shared agreed with FIEMAP_EXTENT_SHARED, the
        /// kernel's own answer (a disagreement is noted and the kernel followed).
        func expectSharingMirrorAgrees(_ result: Comparison) {
            #expect(!result.report.facts.notes.contains { $0.contains("following the kernel") }, Comment(rawValue: result.evidence))
        }

        /// §6 T1: mkswapfile's file is one extent whose device address differs from FIEMAP's logical one.
        @Test func mkswapfileIsPredictedOnDeviceAddresses() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = filesystem.path("swapfile")
                try BtrfsFile.mkswapfile(path, size: "64m")
                let result = try GroundTruth.compare(path)
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.sizeKiB == 65532 && line.extents == 1)
                #expect(result.report.activation?.model == .btrfs)
                #expect(result.facts.btrfs?.items != nil && result.facts.btrfs?.chunks != nil)
                expectSharingMirrorAgrees(result)
                try expectResumeOffsetsAgreeWithMapSwapfile(result, path)
            }
        }

        /// The documented recipe: `touch; chattr +C; dd; mkswap`.
        @Test func emptyFileMadeNoCowThenWrittenIsAccepted() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = filesystem.path("swapfile")
                try BtrfsFile.noCow(path, mebibytes: 32)
                #expect(try BtrfsFile.attributes(path).contains("C"))
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.accepted)
                try expectResumeOffsetsAgreeWithMapSwapfile(result, path)
            }
        }

        /// §6 T2: two NOCOW files written alternately in 64 KiB pieces: dozens of runs, each merged or
        /// not on device addresses exactly as the kernel does.
        @Test func interleavedNoCowFileMatchesRunByRun() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = try BtrfsFile.interleaved(filesystem.path("A"), filesystem.path("B"), bytes: 4 << 20)
                let result = try GroundTruth.compare(path)
                let line = try #require(AddingLine(result.kernel.addingLine))
                #expect(line.extents > 10, "the fixture did not fragment the file")
                expectSharingMirrorAgrees(result)
                try expectResumeOffsetsAgreeWithMapSwapfile(result, path)
            }
        }

        /// The same file with a header shorter than the file (§6 T2 with max 500): clamped pages, unclamped span.
        @Test func interleavedFileWithAShortHeaderIsClamped() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = try BtrfsFile.interleaved(filesystem.path("A"), filesystem.path("B"), bytes: 4 << 20)
                try SwapFile.mkswap(path, sizeKiB: 2000)
                let result = try GroundTruth.compare(path)
                #expect(AddingLine(result.kernel.addingLine)?.sizeKiB == 1996)
            }
        }

        /// §6 T3: a plain file is copy-on-write.
        @Test func copyOnWriteFileIsRefused() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 8)
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.refusalMessages == [warning(filesystem, "must not be copy-on-write")])
                #expect(result.activation?.refusal?.finding.code == .copyOnWrite)
            }
        }

        /// `chattr +C` after the data is written does not take (btrfs_fileattr_set sets NODATACOW only on
        /// an empty file): still copy-on-write, and the fix says to start from an empty file.
        @Test func noCowSetAfterDataWasWrittenDoesNotTakeEffect() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 8)
                _ = try Tool.run("chattr", ["+C", path], check: false)
                #expect(try !BtrfsFile.attributes(path).contains("C"))
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.refusalMessages == [warning(filesystem, "must not be copy-on-write")])
                let finding = try #require(result.report.findings.first { $0.code == .copyOnWrite })
                #expect(finding.message.hasPrefix("swapfile must not be copy-on-write"))
                #expect(finding.fix?.hasPrefix("swapinspect create --force ") == true, "\(finding.fix ?? "-")")
                // The fix as printed: the recreated file activates.
                let fixed = try BuiltBinary.runShell(try #require(finding.fix))
                #expect(fixed.status == 0, "\(fixed)")
                let after = try GroundTruth.compare(path)
                #expect(after.kernel.accepted, "\(after.evidence)")
            }
        }

        /// §6 T4: a NOCOW file whose second half was never written (NO_HOLES: no item there). util-linux
        /// skips files with holes before the kernel sees them, so swapon(2) is called directly.
        @Test func noCowFileWithAHoleIsRefused() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = filesystem.path("swapfile")
                close(try SwapFile.create(path))
                try Tool.run("chattr", ["+C", path])
                try Tool.run("dd", ["if=/dev/zero", "of=\(path)", "bs=1M", "count=4", "conv=notrunc", "status=none"])
                guard truncate(path, 8 << 20) == 0 else { throw TestSupportError("truncate \(path): \(LibC.describe(errno))") }
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path, via: .syscall)
                #expect(result.kernel.refusalMessages == [warning(filesystem, "must not have holes")])
                #expect(result.activation?.refusal?.finding.code == .holes)
            }
        }

        /// §6 T6: the `compression` property makes the inode COMPRESS, checked before anything else.
        @Test func compressedFileIsRefused() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = filesystem.path("swapfile")
                close(try SwapFile.create(path))
                try Tool.run("btrfs", ["property", "set", path, "compression", "zstd"])
                try Tool.run("dd", ["if=/dev/zero", "of=\(path)", "bs=1M", "count=8", "conv=notrunc", "status=none"])
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.refusalMessages == [warning(filesystem, "must not be compressed")])
                #expect(result.activation?.refusal?.finding.code == .compressed)
            }
        }

        /// §6 T5: a snapshot of the subvolume shares every extent ("must not be copy-on-write"); once it
        /// is deleted and cleaned up, the same file is accepted.
        @Test func snapshotSharesTheFileUntilItIsDeleted() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let subvolume = filesystem.path("sv")
                let snapshot = filesystem.path("snap")
                try Tool.run("btrfs", ["subvolume", "create", subvolume])
                let path = subvolume + "/swapfile"
                try BtrfsFile.mkswapfile(path, size: "16m")
                try Tool.run("btrfs", ["subvolume", "snapshot", subvolume, snapshot])

                let shared = try GroundTruth.compare(path)
                #expect(shared.kernel.refusalMessages == [warning(filesystem, "must not be copy-on-write")])
                let finding = try #require(shared.report.findings.first { $0.code == .sharedExtents })
                #expect(finding.fix == nil, "deleting a snapshot is advice, never a fix")
                #expect(finding.message.contains("btrfs subvolume delete"))
                // A one-leaf subvolume: the snapshot's copy of the leaf adds a data reference of its own.
                #expect(finding.message.contains("references it too (a snapshot)"))
                expectSharingMirrorAgrees(shared)

                try Tool.run("btrfs", ["subvolume", "delete", snapshot])
                // BTRFS_IOC_SYNC pokes the transaction kthread, which wakes the cleaner that drops the
                // deleted snapshot; without it `subvolume sync` waits for the 30 s commit interval.
                try Tool.run("btrfs", ["filesystem", "sync", filesystem.mountPoint])
                try Tool.run("btrfs", ["subvolume", "sync", filesystem.mountPoint])
                let unshared = try GroundTruth.compare(path)
                #expect(unshared.kernel.accepted)
                expectSharingMirrorAgrees(unshared)
                try expectResumeOffsetsAgreeWithMapSwapfile(unshared, path)
            }
        }

        /// A snapshot of a subvolume whose tree has more than one level shares the leaves, not the data
        /// extents: the extent item still has one reference, and only the walk up the tree (here
        /// LOGICAL_INO, as the extent is older than the snapshot) finds the sharing.
        @Test func snapshotOfAMultiLevelSubvolumeSharesThroughTheTree() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let subvolume = filesystem.path("sv")
                try Tool.run("btrfs", ["subvolume", "create", subvolume])
                let path = subvolume + "/swapfile"
                try BtrfsFile.mkswapfile(path, size: "16m")
                // Enough inodes that the subvolume's tree outgrows one 16 KiB leaf.
                for index in 0..<600 {
                    guard FileManager.default.createFile(atPath: "\(subvolume)/f\(index)", contents: nil) else {
                        throw TestSupportError("cannot create \(subvolume)/f\(index)")
                    }
                }
                sync()
                try Tool.run("btrfs", ["subvolume", "snapshot", subvolume, filesystem.path("snap")])
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.refusalMessages == [warning(filesystem, "must not be copy-on-write")])
                let item = try #require(result.facts.btrfs?.items?.first)
                #expect(item.backrefs?.count == 1, "the data extent should have kept a single reference")
                #expect(result.activation?.refusal?.finding.message.contains("through a tree block") == true)
                expectSharingMirrorAgrees(result)
            }
        }

        /// §4: a file whose first item starts 4 KiB into its data extent (a reflinked range whose source is
        /// gone). The kernel adds that offset; map-swapfile and systemd use disk_bytenr alone.
        @Test func firstItemInsideItsExtentMakesMapSwapfileOnePageShort() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let source = filesystem.path("source")
                let path = filesystem.path("swapfile")
                try BtrfsFile.mkswapfile(source, size: "8m")
                close(try SwapFile.create(path))
                try Tool.run("chattr", ["+C", path])
                try Tool.run("xfs_io", ["-c", "reflink \(source) 4096 0 4m", path])
                try FileManager.default.removeItem(atPath: source)
                sync()
                try SwapFile.mkswap(path)
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.accepted)
                expectSharingMirrorAgrees(result)
                let mapped = try #require(try BtrfsFile.mapSwapfile(path))
                #expect(result.report.userspaceResumeOffset == mapped)
                #expect(result.report.resumeOffset == mapped + 1)
            }
        }

        /// §6 T8: data `single` over two devices; a 300 MiB file gets chunks on both.
        @Test func fileSpanningTwoDevicesIsRefused() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs(sizeMiB: 512, devices: 2, options: ["-d", "single"])) { filesystem in
                let path = filesystem.path("swapfile")
                try BtrfsFile.mkswapfile(path, size: "300m")
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.refusalMessages == [warning(filesystem, "must be on one device")])
                #expect(result.activation?.refusal?.finding.code == .multipleDevices)
            }
        }

        /// §6 T7: RAID1 data is refused; map-swapfile refuses it too ("unsupported block group profile: 16").
        @Test func raid1DataIsRefused() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs(devices: 2, options: ["-d", "raid1", "-m", "raid1"])) { filesystem in
                let path = filesystem.path("swapfile")
                try BtrfsFile.mkswapfile(path, size: "16m")
                let result = try GroundTruth.compare(path)
                #expect(result.kernel.refusalMessages == [warning(filesystem, "must have single data profile")])
                #expect(result.activation?.refusal?.finding.code == .multipleDevices)
                #expect(try BtrfsFile.mapSwapfile(path) == nil)
            }
        }

        /// Without CAP_SYS_ADMIN: no tree search. The flags, FIEMAP and the device count still decide the
        /// verdict and the page count; the addresses are logical and resume_offset is unknown.
        @Test func withoutSysAdminTheVerdictAndPageCountStillMatch() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = filesystem.path("swapfile")
                let cow = filesystem.path("cow")
                try BtrfsFile.mkswapfile(path, size: "32m")
                try SwapFile.dd(cow, mebibytes: 8)
                try SwapFile.mkswap(cow)
                sync()
                let options = InspectOptions(pageSize: kernelTestPageSize)
                let facts = try Capabilities.withoutSysAdmin { try LiveArea.facts(for: path) }
                let cowFacts = try Capabilities.withoutSysAdmin { try LiveArea.facts(for: cow) }
                let full = try LiveArea.facts(for: path)
                let report = Inspector.inspect(facts, options: options)

                #expect(facts.btrfs?.items == nil && facts.btrfs?.chunks == nil)
                #expect(facts.notes.contains { $0.hasPrefix("without CAP_SYS_ADMIN") })
                #expect(report.undetermined == nil)
                #expect(report.activation?.addressSpace == .btrfsLogical)
                #expect(report.resumeOffset == nil && report.userspaceResumeOffset == nil)

                let kernel = try Kernel.activate(path)
                #expect(report.activation?.ok == kernel.accepted)
                let predicted = try #require(AddingLine(report.kernelLog))
                let actual = try #require(AddingLine(kernel.addingLine))
                #expect(predicted.sizeKiB == actual.sizeKiB)
                // Within one chunk the logical layout is the device layout shifted: extents and across agree.
                let chunks = Set((full.btrfs?.items ?? []).compactMap { full.btrfs?.chunk(containing: $0.diskBytenr)?.logical })
                if chunks.count == 1 {
                    #expect(predicted.extents == actual.extents && predicted.acrossKiB == actual.acrossKiB)
                }
                print("[kernel] \(path) without CAP_SYS_ADMIN: predicted \(report.kernelLog ?? "-"), kernel \(kernel.addingLine ?? "-") (\(chunks.count) chunk\(chunks.count == 1 ? "" : "s"))")

                let cowReport = Inspector.inspect(cowFacts, options: options)
                let cowKernel = try Kernel.activate(cow)
                #expect(!cowKernel.accepted)
                #expect(cowReport.kernelLog == cowKernel.refusalMessages.first)
                #expect(cowReport.undetermined == nil)
            }
        }
    }
}
