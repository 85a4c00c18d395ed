import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

@testable import SwapInspectImage

/// The parts of the health check the corpus does not show one by one: e2fsck's time limit, the scan
/// going on past a bad inode, and what an unreadable or oversized /etc/fstab does to the report.
@Suite struct ExtHealthTests {
    static func image(_ scratch: Scratch, fstab: String?, extra: [String] = []) throws -> String {
        let root = try scratch.directory("root")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        if let fstab { try fstab.write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8) }
        try Fixtures.swapFile(root + "/swapfile", bytes: 1 << 20)
        for name in extra { try Fixtures.swapFile(root + name, bytes: 1 << 20, uuid: "0ddba11c-0000-4000-8000-000000000004") }
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 16, root: root)
        return image
    }

    /// Over its time limit e2fsck is killed and reaped: no child is left behind, and the verdict says so.
    @Test func testFsckOverItsTimeLimitIsKilledAndReaped() throws {
        let scratch = try Scratch()
        let image = try Self.image(scratch, fstab: nil)
        #expect(FsckRun.run(image: image, offset: 0, timeLimit: 0) == .timedOut(seconds: 0))
        // Other tests of this process run their own children meanwhile: look for an e2fsck child, alive or zombie.
        #expect(Self.e2fsckChildren().isEmpty, "an e2fsck child of the test process is left: \(Self.e2fsckChildren())")
        #expect(FsckRun.run(image: image, offset: 0) == .clean)
        #expect(FsckRun.run(image: image + "?x", offset: 0) == .skipped("the image's name contains '?', which e2fsck takes for its options"))
    }

    /// The pids of this process's children named e2fsck (from /proc/PID/stat: `pid (comm) state ppid …`).
    static func e2fsckChildren() -> [String] {
        let me = getpid()
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { $0.allSatisfy(\.isNumber) } ?? []
        return pids.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.range(of: ") ", options: .backwards)
            else { return false }
            let comm = stat[stat.startIndex..<close.lowerBound].split(separator: "(", maxSplits: 1).last ?? ""
            let fields = stat[close.upperBound...].split(separator: " ")
            return comm == "e2fsck" && fields.count > 1 && Int32(fields[1]) == me
        }
    }

    /// A bad inode checksum is an error and the scan goes on to the files after it.
    @Test func testScanGoesOnPastABadInode() throws {
        let scratch = try Scratch()
        let image = try Self.image(scratch, fstab: nil, extra: ["/zz-later.swap"])
        let fstabless = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, scan: true, fsck: false))
        #expect(fstabless.reports.map(\.facts.path).sorted() == ["/swapfile", "/zz-later.swap"])
        // /etc's checksum is made wrong; the scan reads on to the swap files after it.
        let etc = try BadInputSuiteTests.inode(image, "/etc")
        try Fixtures.debugfs(image, write: ["sif <\(etc)> checksum 0x1"])
        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, scan: true, fsck: false))
        // The lookup of /etc/fstab meets it first, then the scan, which goes on.
        #expect(
            audit.errors.map(\.description) == [
                "\(image):/etc/fstab: cannot read inode \(etc): Inode checksum does not match inode",
                "\(image): cannot read inode \(etc): Inode checksum does not match inode",
            ])
        #expect(audit.reports.map(\.facts.path).sorted() == ["/swapfile", "/zz-later.swap"])
    }

    /// An fstab that cannot be read is an error, and the swap files audited instead say which defaults
    /// they get; one above the size read is an error that says so.
    @Test func testUnreadableAndOversizedFstab() throws {
        let scratch = try Scratch()
        let image = try Self.image(scratch, fstab: "/swapfile none swap sw,pri=5 0 0\n")
        let fstab = try BadInputSuiteTests.inode(image, "/etc/fstab")
        try Fixtures.debugfs(image, write: ["sif /etc/fstab checksum 0x1"])
        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, fsck: false))
        #expect(audit.errors.map(\.description) == ["\(image):/etc/fstab: cannot read inode \(fstab): Inode checksum does not match inode"])
        let report = try #require(audit.reports.first)
        #expect(report.facts.priority == -2)
        #expect(report.facts.notes.contains { $0.hasPrefix("\(image):/etc/fstab cannot be read (Inode checksum does not match inode): audited under swapon's defaults") })

        let big = try Scratch("oversized")
        let padding = String(repeating: "# padding line of a generated fstab\n", count: (1 << 20) / 36 + 10)
        let oversized = try Self.image(big, fstab: padding + "/swapfile none swap sw 0 0\n")
        let cut = ImageAuditor.audit(image: oversized, options: ImageAuditOptions(pageSize: 4096, fsck: false))
        #expect(cut.errors.count == 1)
        #expect(cut.errors.first?.path == "\(oversized):/etc/fstab")
        #expect(cut.errors.first?.operation == "too large")
    }
}
