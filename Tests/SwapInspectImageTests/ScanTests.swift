import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectTestSupport
import Testing

@Suite struct ScanTests {
    @Test func testScanFindsForgottenSwapAndHibernationFiles() throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        for directory in ["etc", "var/tmp", "home/user/deep/er", "data"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        try "/swapfile none swap sw 0 0\n".write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8)
        try Fixtures.swapFile(root + "/swapfile", bytes: 4 << 20)
        try Fixtures.swapFile(root + "/var/tmp/old.swap", bytes: 4 << 20, uuid: "0ddba11c-0000-4000-8000-000000000001")
        // A 16K-page swap file (from an arm64 machine) and a hibernation image.
        try Fixtures.swapFile(root + "/home/user/deep/er/arm64.swap", bytes: 4 << 20, pageSize: 16384)
        try Tool.run("dd", ["if=/dev/urandom", "of=\(root)/data/hib.img", "bs=64K", "count=4", "status=none"])
        try Tool.sh("printf 'S1SUSPEND' | dd of='\(root)/data/hib.img' bs=1 seek=4086 conv=notrunc status=none")
        // Noise: ordinary files, big and small.
        try Tool.run("dd", ["if=/dev/urandom", "of=\(root)/data/random.bin", "bs=64K", "count=16", "status=none"])
        for index in 0..<50 { try "file \(index)\n".write(toFile: "\(root)/data/small\(index)", atomically: false, encoding: .utf8) }
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 64, root: root)

        let plain = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096))
        #expect(plain.reports.map(\.facts.path) == ["/swapfile"])

        let scanned = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, scan: true))
        #expect(scanned.errors.isEmpty, "\(scanned.errors)")
        let paths = scanned.reports.map(\.facts.path)
        #expect(paths.first == "/swapfile")
        #expect(Set(paths) == ["/swapfile", "/var/tmp/old.swap", "/home/user/deep/er/arm64.swap", "/data/hib.img"])
        let found = scanned.reports.filter { $0.facts.path != "/swapfile" }
        #expect(found.allSatisfy { $0.facts.notes.contains { $0.hasPrefix("found by --scan") } })
        let old = try #require(scanned.reports.first { $0.facts.path == "/var/tmp/old.swap" })
        #expect(old.activation?.ok == true)
        #expect(old.header?.uuid == "0ddba11c-0000-4000-8000-000000000001")
        let arm = try #require(scanned.reports.first { $0.facts.path == "/home/user/deep/er/arm64.swap" })
        #expect(arm.findings.contains { $0.code == .pagesizeMismatch })
        let hibernation = try #require(scanned.reports.first { $0.facts.path == "/data/hib.img" })
        #expect(hibernation.findings.contains { $0.code == .hibernationSignature })

        // On the command line: no progress meter when stderr is not a terminal.
        let output = try BuiltBinary.run(["image", image, "--scan"])
        #expect(output.stderr.isEmpty, "\(output)")
        #expect(output.status == 1, "\(output)")
    }
}

/// A sparse 1 TiB ext4 with 67 million inodes, every group's inode table marked initialised (no
/// INODE_UNINIT, bg_itable_unused 0), made without root: mke2fs with lazy inode tables, then debugfs
/// set_bg. The scan must read only the groups whose descriptors count inodes in use — asserted on
/// the scan's own counters, not on time (bench/ times it against e2fsck -fn).
@Suite struct LargeScanTests {
    static func hugeImage(_ scratch: Scratch) throws -> (image: String, groups: Int) {
        let image = scratch.file("huge.img")
        try Tool.run("truncate", ["-s", "1T", image])
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", "-E", "lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0", image])
        let header = try Tool.run("dumpe2fs", ["-h", image]).stdoutText
        func field(_ name: String) -> Int {
            header.split(separator: "\n").first { $0.hasPrefix(name) }.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) } ?? 0
        }
        let groups = field("Inode count:") / field("Inodes per group:")
        // BLOCK_UNINIT stays where mke2fs set it (every group but the first and the last); ITABLE_ZEROED.
        let commands = (0..<groups).flatMap { group in
            ["set_bg \(group) flags \(group == 0 || group == groups - 1 ? 4 : 6)", "set_bg \(group) itable_unused 0", "set_bg \(group) checksum calc"]
        }
        let swap = scratch.file("swap")
        try Fixtures.swapFile(swap, bytes: 1 << 20)
        let hidden = scratch.file("hidden")
        try Fixtures.swapFile(hidden, bytes: 1 << 20, uuid: "0ddba11c-0000-4000-8000-000000000003")
        // The second one loses its name (unlink keeps the inode): an inode without a directory entry.
        try Fixtures.debugfs(image, write: commands + ["write \(swap) swapfile", "write \(hidden) hidden", "unlink /hidden"])
        try Fixtures.chownRoot(image, ["/swapfile"])
        return (image, groups)
    }

    @Test func testScanOfATebibyteVisitsOnlyTheGroupsInUse() throws {
        let scratch = try Scratch()
        let (image, groups) = try Self.hugeImage(scratch)
        let dump = try Tool.run("dumpe2fs", [image]).stdoutText
        #expect(!dump.contains("INODE_UNINIT"), "every inode table is marked initialised")
        #expect(groups * 8192 >= 67_000_000)
        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, scan: true, fsck: false))
        let statistics = try #require(audit.scanStatistics.first)
        #expect(statistics.groups == UInt32(groups))
        // Only group 0 holds inodes in use (root, lost+found, the journal, the two swap files).
        #expect(statistics.groupsSkipped == UInt32(groups - 1))
        #expect(statistics.inodesRead == 8192, "\(statistics)")
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        #expect(audit.reports.count == 2, "\(audit.reports.map(\.facts.path))")
        let unnamed = try #require(audit.reports.first { $0.facts.placeholder != nil })
        #expect(unnamed.facts.path.hasPrefix("<inode "))
        #expect(unnamed.findings.map(\.code) == [.unnamedInode])
        #expect(unnamed.activation?.ok == false)
        #expect(unnamed.kernelLog == nil)
        #expect(audit.reports.first { $0.facts.path == "/swapfile" }?.activation?.ok == true)
    }
}
