import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectTestSupport
import Testing

/// XFS file systems built without root (mkfs.xfs -p PROTOFILE copies host files in), audited offline
/// with xfs_db: as a file system image, and as a partition of a GPT disk, raw and as qcow2.
@Suite struct XFSImageTests {
    /// An XFS image of 320 MiB (mkfs.xfs's minimum; sparse) holding /swapfile (8 MiB) and /etc/fstab.
    static func xfsImage(_ scratch: Scratch, fstab: String) throws -> (image: String, hostSwapFile: String) {
        let host = try scratch.directory("host")
        try Fixtures.swapFile(host + "/swapfile", bytes: 8 << 20)
        try fstab.write(toFile: host + "/fstab", atomically: false, encoding: .utf8)
        let proto = """
            /dev/null
            0 0
            d--755 0 0
            swapfile ---600 0 0 \(host)/swapfile
            etc d--755 0 0
            fstab ---644 0 0 \(host)/fstab
            $
            $

            """
        try proto.write(toFile: host + "/proto", atomically: false, encoding: .utf8)
        let image = scratch.file("xfs.img")
        try Tool.run("mkfs.xfs", ["-q", "-f", "-L", "xfsroot", "-p", host + "/proto", "-d", "file,name=\(image),size=320m"])
        return (image, host + "/swapfile")
    }

    /// xfs_db's own view of the file's first mapping: `startblock N … count M` (AG 0, so N is the block).
    static func firstMapping(_ image: String, _ path: String) throws -> (block: UInt64, count: UInt64) {
        let output = try Tool.run("xfs_db", ["-r", "-c", "path \(path)", "-c", "bmap -d", image]).stdoutText
        let words = output.split(separator: " ")
        return (UInt64(words[4]) ?? 0, UInt64(words[7]) ?? 0)
    }

    @Test func testXfsImageSwapFileFromItsFstab() throws {
        let scratch = try Scratch()
        let (image, hostSwapFile) = try Self.xfsImage(scratch, fstab: "/swapfile none swap sw,pri=5 0 0\n")
        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096))
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        let report = try #require(audit.reports.first)
        #expect(audit.reports.count == 1)
        #expect(report.facts.path == "/swapfile")
        #expect(report.facts.source == .xfsDb)
        #expect(report.facts.filesystem?.kind.name == "xfs")
        #expect(report.facts.priority == 5)
        #expect(report.facts.mode & 0o7777 == 0o600)
        #expect(report.image?.filesystem.type == "xfs")
        #expect(report.image?.filesystem.label == "xfsroot")
        let mapping = try Self.firstMapping(image, "/swapfile")
        #expect(report.facts.extents == [FileExtent(logical: 0, physical: mapping.block * 4096, length: mapping.count * 4096)])
        #expect(mapping.count * 4096 == 8 << 20)
        let expected = try expectedReport(
            path: "/swapfile", extents: report.facts.extents, headerSource: hostSwapFile, size: 8 << 20, blockSize: 4096, fsName: "ext4")
        #expect(report.activation?.ok == true)
        #expect(report.activation?.pages == expected.activation?.pages)
        #expect(report.resumeOffset == mapping.block)
        #expect(report.kernelLog == "Adding 8188k swap on /swapfile.  Priority:5 extents:1 across:8188k")
    }

    @Test func testXfsPartitionOfAGptDiskRawAndQcow2() throws {
        let scratch = try Scratch()
        let fstab = "UUID=\(Fixtures.partitionSwapUUID) none swap sw 0 0\n/swapfile none swap sw 0 0\n/missing none swap sw 0 0\n"
        let (xfs, _) = try Self.xfsImage(scratch, fstab: fstab)
        let swap = scratch.file("swap.img")
        try Tool.run("truncate", ["-s", "8M", swap])
        try Tool.run("mkswap", ["-q", "-U", Fixtures.partitionSwapUUID, swap])
        let disk = scratch.file("disk.img")
        try Tool.run("truncate", ["-s", "\((1 + 320 + 8 + 1) << 20)", disk])
        let script = scratch.file("sfdisk")
        try """
            label: gpt
            start=2048, size=\(320 << 11), type=\(DiskFixture.linuxType)
            start=\(2048 + (320 << 11)), size=\(8 << 11), type=\(DiskFixture.swapType)

            """.write(toFile: script, atomically: false, encoding: .utf8)
        try Tool.sh("sfdisk --no-reread --no-tell-kernel -q '\(disk)' < '\(script)' >/dev/null")
        try Tool.run("dd", ["if=\(xfs)", "of=\(disk)", "bs=1M", "seek=1", "conv=notrunc,sparse", "status=none"])
        try Tool.run("dd", ["if=\(swap)", "of=\(disk)", "bs=1M", "seek=321", "conv=notrunc", "status=none"])

        let tmp = try scratch.directory("tmp")
        let raw = try ContainerFormatTests.normalizedReports(disk, environment: ["TMPDIR": tmp])
        #expect(raw.status == 2, "\(raw.stderr)")
        #expect(raw.stderr == "swapinspect: IMAGE:1:/missing: cannot look up: no such file inside the image\n")
        #expect(raw.reports.compactMap { $0["path"] as? String } == ["/swapfile", "IMAGE:2"])
        #expect(raw.reports.compactMap { $0["source"] as? String } == ["xfs_db", "blockDevice"])
        let qcow2 = scratch.file("disk.qcow2")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", "-c", disk, qcow2])
        let converted = try ContainerFormatTests.normalizedReports(qcow2, environment: ["TMPDIR": tmp])
        #expect(converted.reports == raw.reports)
        #expect(converted.stderr == raw.stderr)
        #expect(converted.status == raw.status)
        #expect(try ContainerFormatTests.leftovers(in: tmp).isEmpty)
    }
}
