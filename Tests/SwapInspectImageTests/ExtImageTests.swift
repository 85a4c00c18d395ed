import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectTestSupport
import Testing

/// File system images (no partition table) built with mke2fs -d and debugfs, audited offline and
/// compared with debugfs's own view of the layout and with what the core computes from it.
@Suite struct ExtImageTests {
    struct Layout: CustomStringConvertible, Sendable {
        var type: String
        var blockSize: Int
        var description: String { "\(type) \(blockSize)-byte blocks" }
    }

    @Test(
        "one swap file end to end: extents equal debugfs, numbers equal the core's",
        arguments: [
            Layout(type: "ext4", blockSize: 4096), Layout(type: "ext4", blockSize: 1024),
            Layout(type: "ext3", blockSize: 4096), Layout(type: "ext2", blockSize: 4096),
            Layout(type: "ext2", blockSize: 1024),
        ])
    func testSwapFileMatchesDebugfsAndCore(_ layout: Layout) throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try Fixtures.swapFile(root + "/swapfile", bytes: 16 << 20)
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, type: layout.type, blockSize: layout.blockSize, sizeMiB: 64, root: root)
        try Fixtures.chownRoot(image, ["/swapfile"])

        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096))
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        let report = try #require(audit.reports.first)
        #expect(audit.reports.count == 1)
        #expect(report.facts.path == "/swapfile")
        #expect(report.facts.source == .ext2fs)
        #expect(report.facts.kind == .file)
        #expect(report.facts.filesystem?.kind.name == layout.type)
        #expect(report.facts.filesystem?.kind.swapSupport == .activates(.iomap))
        #expect(report.facts.filesystem?.blockSize == layout.blockSize)
        #expect(report.facts.size == 16 << 20)
        #expect(report.facts.mode & 0o7777 == 0o600)
        #expect(report.image?.path == image)
        #expect(report.image?.partition == nil)
        #expect(report.image?.offset == 0)
        #expect(report.image?.filesystem.type == layout.type)
        #expect(try report.image?.filesystem.uuid == Debugfs.uuid(image))

        let reference = layout.type == "ext4"
            ? try Debugfs.extents(image, "/swapfile", blockSize: layout.blockSize)
            : try Debugfs.blockMap(image, "/swapfile", blockSize: layout.blockSize)
        #expect(merged(report.facts.extents) == merged(reference))
        #expect(report.facts.extents.reduce(0) { $0 + $1.length } == 16 << 20)
        if layout.type == "ext2" {
            // Indirect blocks sit between the data runs: more than one run, never a hole.
            #expect(report.facts.extents.count > 1)
        }

        let expected = try expectedReport(
            path: "/swapfile", extents: reference, headerSource: root + "/swapfile", size: 16 << 20,
            blockSize: layout.blockSize, fsName: layout.type)
        expectSameActivation(report, expected)
        #expect(report.activation?.ok == true)
        #expect(report.header?.uuid == Fixtures.swapUUID)
        if layout.blockSize == 4096 {
            // Whole pages everywhere: only the header page is not swap.
            #expect(report.activation?.pages == 4095)
            #expect(report.resumeOffset == reference.first.map { $0.physical / 4096 })
        }
    }

    @Test func testFragmentedFileWithUnwrittenExtentsKeepsTheirFlag() throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        for index in 0..<6 {
            try Tool.run("dd", ["if=/dev/urandom", "of=\(root)/filler\(index)", "bs=64K", "count=8", "status=none"])
        }
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 64, root: root)
        // The header page written, the rest preallocated (unwritten) into the gaps the removed files leave.
        let header = scratch.file("header")
        try Fixtures.swapFile(scratch.file("full"), bytes: 8 << 20)
        try Tool.run("dd", ["if=\(scratch.file("full"))", "of=\(header)", "bs=4096", "count=1", "status=none"])
        try Fixtures.debugfs(
            image,
            write: [
                "rm /filler1", "rm /filler3", "write \(header) /swapfile", "fallocate /swapfile 1 2047",
                "sif /swapfile size \(8 << 20)", "sif /swapfile mode 0100600", "sif /swapfile uid 0", "sif /swapfile gid 0",
            ])

        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, paths: ["/swapfile"]))
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        let report = try #require(audit.reports.first)
        let reference = try Debugfs.extents(image, "/swapfile", blockSize: 4096)
        #expect(report.facts.extents == reference)
        #expect(report.facts.extents.contains { $0.flags.contains(.unwritten) })
        #expect(report.findings.contains { $0.code == .unwrittenExtents })
        let expected = try expectedReport(
            path: "/swapfile", extents: reference, headerSource: scratch.file("full"), size: 8 << 20, blockSize: 4096,
            fsName: "ext4")
        expectSameActivation(report, expected)
        #expect(report.activation?.ok == true)
        #expect((report.activation?.extentCount ?? 0) > 1)
    }

    @Test func testOwnerHighBitsAndPermissionsComeFromTheInode() throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try Fixtures.swapFile(root + "/swapfile", bytes: 4 << 20)
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 32, root: root)
        try Fixtures.debugfs(image, write: ["sif /swapfile uid 100000", "sif /swapfile gid 70000", "sif /swapfile mode 0100644"])
        let report = try #require(ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096)).reports.first)
        #expect(report.facts.uid == 100000)
        #expect(report.facts.gid == 70000)
        #expect(report.facts.mode & 0o7777 == 0o644)
        #expect(report.findings.contains { $0.code == .insecureOwner })
        #expect(report.findings.contains { $0.code == .insecurePermissions })
    }

    /// The inode's EXT2_IMMUTABLE_FL / EXT2_APPEND_FL (set with debugfs, as chattr +i/+a would) refuse
    /// the open swapon(2) makes, offline as online: `immutable`, EPERM.
    @Test(arguments: ["0x80010", "0x80020"])
    func testImmutableAndAppendOnlyInodesAreRefusedAtOpen(flags: String) throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try Fixtures.swapFile(root + "/swapfile", bytes: 4 << 20)
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 32, root: root)
        try Fixtures.chownRoot(image, ["/swapfile"])
        let plain = try #require(ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096)).reports.first)
        #expect(plain.activation?.ok == true, "\(plain.findings)")
        try Fixtures.debugfs(image, write: ["sif /swapfile flags \(flags)"])
        let report = try #require(ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096)).reports.first)
        #expect(report.activation?.ok == false)
        #expect(report.activation?.refusal?.errno == .operationNotPermitted)
        #expect(report.findings.map(\.code) == [.immutable])
        let (result, document) = try BuiltBinary.json(["image", image])
        #expect(result.status == 1, "\(result)")
        let codes = ((document["reports"] as? [[String: Any]])?.first?["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes == ["immutable"], "\(result.stdoutText)")
    }

    @Test func testHolesInTheSwapFileAreRefusedAsTheKernelWould() throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        // mkswap leaves the boot bits zero: with 1 KiB blocks mke2fs -d turns them into a hole.
        try Tool.run("dd", ["if=/dev/urandom", "of=\(root)/swapfile", "bs=64K", "count=64", "status=none"])
        try Tool.run("mkswap", ["-q", root + "/swapfile"])
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, blockSize: 1024, sizeMiB: 32, root: root)
        let report = try #require(ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096)).reports.first)
        #expect(report.activation?.ok == false)
        #expect(report.findings.contains { $0.code == .holes })
        #expect(report.kernelLog == "swapon: file /swapfile has unallocated extents")
    }

    @Test func testDefaultNamesWithoutFstabAndExplicitPaths() throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try FileManager.default.createDirectory(atPath: root + "/swap", withIntermediateDirectories: true)
        try Fixtures.swapFile(root + "/swap.img", bytes: 4 << 20)
        try Fixtures.swapFile(root + "/swap/swapfile", bytes: 4 << 20)
        try Fixtures.swapFile(root + "/elsewhere", bytes: 4 << 20)
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 32, root: root)

        let defaults = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096))
        #expect(defaults.errors.isEmpty)
        #expect(defaults.reports.map(\.facts.path) == ["/swap.img", "/swap/swapfile"])

        let explicit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, paths: ["/elsewhere"]))
        #expect(explicit.reports.map(\.facts.path) == ["/elsewhere"])
    }

    @Test func testSymlinksAreFollowedFromTheImageRootNeverTheHost() throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try FileManager.default.createDirectory(atPath: root + "/var", withIntermediateDirectories: true)
        try Fixtures.swapFile(root + "/var/swap", bytes: 4 << 20)
        try FileManager.default.createSymbolicLink(atPath: root + "/swapfile", withDestinationPath: "/var/swap")
        try FileManager.default.createSymbolicLink(atPath: root + "/relative", withDestinationPath: "var/../var/swap")
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 32, root: root)

        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, paths: ["/swapfile", "/relative"]))
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        // Both names lead to one inode: one report, under the name the kernel would print.
        #expect(audit.reports.map(\.facts.path) == ["/var/swap"])
        #expect(audit.reports.first?.facts.notes.contains("symbolic link inside the image: /swapfile → /var/swap") == true)
        #expect(audit.reports.first?.activation?.ok == true)
    }

    /// Metadata only: auditing a 1 TiB image reads what auditing a 1 GiB one reads, plus its larger
    /// group descriptor table (64 bytes per 128 MiB group: 512 KiB at 1 TiB) — never data in proportion
    /// to the size. Counted in bytes, not seconds: what this thread read (`rchar` of /proc/thread-self/io;
    /// libext2fs and libblkid read in the caller's thread). The time is bench/'s ("1 GiB vs 1 TiB image").
    @Test func testHugeSparseImageCostsNoMoreThanASmallOne() throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try Fixtures.swapFile(root + "/swapfile", bytes: 8 << 20)
        var bytesRead: [Int] = []
        for size in ["1G", "1T"] {
            let image = scratch.file("fs-\(size).img")
            try Tool.run("truncate", ["-s", size, image])
            try Tool.run(
                "mke2fs", ["-q", "-F", "-t", "ext4", "-E", "lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0", "-d", root, image])
            // The audit's own reads: e2fsck -fn reads every inode table, its cost grows with the file system.
            let before = try Self.threadBytesRead()
            let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, fsck: false))
            bytesRead.append(try Self.threadBytesRead() - before)
            #expect(audit.errors.isEmpty)
            #expect(audit.reports.first?.activation?.pages == 2047)
            try Tool.run("rm", ["-f", image])
        }
        print("bytes read auditing 1 GiB: \(bytesRead[0]), 1 TiB: \(bytesRead[1])")
        #expect(bytesRead[0] > 0, "nothing was counted: the audit did not read in this thread")
        #expect(bytesRead[1] <= bytesRead[0] + 1 << 20, "1 GiB: \(bytesRead[0]) bytes read, 1 TiB: \(bytesRead[1])")
    }

    /// `rchar` of /proc/thread-self/io: the bytes read(2) and pread(2) returned to this thread so far.
    static func threadBytesRead() throws -> Int {
        let text = try String(contentsOfFile: "/proc/thread-self/io", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("rchar: ") }, "\(text)")
        return try #require(Int(line.dropFirst("rchar: ".count)), "\(line)")
    }
}
