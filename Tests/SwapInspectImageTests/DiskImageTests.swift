import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectTestSupport
import Testing

/// A GPT whole-disk image made with sfdisk: an ext4 root partition (a swap file and an /etc/fstab) and
/// a swap partition, each built as a separate file and dd'ed into place.
struct DiskFixture {
    static let rootPartUUID = "11111111-2222-4333-8444-555555555555"
    static let swapPartUUID = "66666666-7777-4888-8999-aaaaaaaaaaaa"
    static let linuxType = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
    static let swapType = "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"
    static let sector = 512

    var disk: String
    var rootFilesystem: String
    var swapArea: String
    var hostSwapFile: String
    var rootOffset: UInt64
    var swapOffset: UInt64
    var swapSize: UInt64

    /// `extraRoot` adds files to the root file system's directory before mke2fs -d.
    static func build(
        in scratch: Scratch, fstab: String?, rootMiB: Int = 48, swapMiB: Int = 8, rootBlockSize: Int = 4096, rootType: String = "ext4",
        extraRoot: ((String) throws -> Void)? = nil, extraPartition: (type: String, image: String, sizeMiB: Int)? = nil
    ) throws -> DiskFixture {
        let root = try scratch.directory("root")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        if let fstab { try fstab.write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8) }
        try Fixtures.swapFile(root + "/swapfile", bytes: 8 << 20)
        try extraRoot?(root)
        let rootImage = scratch.file("root.img")
        try Fixtures.filesystem(rootImage, type: rootType, blockSize: rootBlockSize, sizeMiB: rootMiB, root: root, label: "rootfs")
        try Fixtures.chownRoot(rootImage, ["/swapfile"])
        let swapImage = scratch.file("swap.img")
        try Tool.run("dd", ["if=/dev/zero", "of=\(swapImage)", "bs=1M", "count=\(swapMiB)", "status=none"])
        try Tool.run("mkswap", ["-q", "-U", Fixtures.partitionSwapUUID, "-L", "diskswap", swapImage])

        let mib = 1 << 20
        let rootStart = 1 * mib
        let swapStart = rootStart + rootMiB * mib
        let extraStart = swapStart + swapMiB * mib
        let total = extraStart + (extraPartition?.sizeMiB ?? 0) * mib + 1 * mib
        let disk = scratch.file("disk.img")
        try Tool.run("truncate", ["-s", String(total), disk])
        var script = """
            label: gpt
            unit: sectors
            start=\(rootStart / sector), size=\(rootMiB * mib / sector), type=\(linuxType), uuid=\(rootPartUUID), name=root
            start=\(swapStart / sector), size=\(swapMiB * mib / sector), type=\(swapType), uuid=\(swapPartUUID), name=swap

            """
        if let extraPartition {
            script += "start=\(extraStart / sector), size=\(extraPartition.sizeMiB * mib / sector), type=\(extraPartition.type), name=extra\n"
        }
        let scriptPath = scratch.file("sfdisk.script")
        try script.write(toFile: scriptPath, atomically: false, encoding: .utf8)
        try Tool.sh("sfdisk --no-reread --no-tell-kernel -q '\(disk)' < '\(scriptPath)' >/dev/null")
        try Tool.run("dd", ["if=\(rootImage)", "of=\(disk)", "bs=1M", "seek=1", "conv=notrunc,sparse", "status=none"])
        try Tool.run("dd", ["if=\(swapImage)", "of=\(disk)", "bs=1M", "seek=\(1 + rootMiB)", "conv=notrunc", "status=none"])
        if let extraPartition {
            try Tool.run(
                "dd", ["if=\(extraPartition.image)", "of=\(disk)", "bs=1M", "seek=\(1 + rootMiB + swapMiB)", "conv=notrunc,sparse", "status=none"])
        }
        return DiskFixture(
            disk: disk, rootFilesystem: rootImage, swapArea: swapImage, hostSwapFile: root + "/swapfile",
            rootOffset: UInt64(rootStart), swapOffset: UInt64(swapStart), swapSize: UInt64(swapMiB * mib))
    }
}

@Suite struct DiskImageTests {
    static let fstab = """
        # <file system> <mount point> <type> <options> <dump> <pass>
        LABEL=rootfs / ext4 errors=remount-ro 0 1
        UUID=\(Fixtures.partitionSwapUUID) none swap sw 0 0
        /swapfile none swap sw,pri=3 0 0
        PARTUUID=\(DiskFixture.swapPartUUID) none swap sw 0 0
        LABEL=nosuchswap none swap sw,nofail 0 0
        /dev/vda9 none swap sw 0 0

        """

    @Test func testGPTDiskResolvesFstabAgainstPartitionsAndSwapHeaders() throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: Self.fstab)
        let audit = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096))
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        // Image order: partition 1's swap file and unresolved entry, then partition 2 (named twice, audited once).
        #expect(audit.reports.map(\.facts.path) == ["/swapfile", "LABEL=nosuchswap", "\(fixture.disk):2"])

        let file = audit.reports[0]
        #expect(file.facts.source == .ext2fs)
        #expect(file.facts.priority == 3)
        #expect(file.image == ImageLocation(
            path: fixture.disk, partition: 1, offset: fixture.rootOffset,
            filesystem: .init(type: "ext4", uuid: try Debugfs.uuid(fixture.rootFilesystem), label: "rootfs")))
        // Physical addresses are relative to the partition: those of the file system image on its own.
        let reference = try Debugfs.extents(fixture.rootFilesystem, "/swapfile", blockSize: 4096)
        #expect(merged(file.facts.extents) == merged(reference))
        let expected = try expectedReport(
            path: "/swapfile", extents: reference, headerSource: fixture.hostSwapFile, size: 8 << 20, blockSize: 4096,
            fsName: "ext4")
        expectSameActivation(file, expected)

        let unresolved = audit.reports[1]
        #expect(unresolved.findings.map(\.code) == [.specNotFound])
        #expect(unresolved.activation?.ok == false)

        let swap = audit.reports[2]
        #expect(swap.facts.kind == .blockDevice)
        #expect(swap.facts.source == .blockDevice)
        #expect(swap.facts.size == fixture.swapSize)
        #expect(swap.activation?.ok == true)
        #expect(swap.activation?.pages == fixture.swapSize / 4096 - 1)
        #expect(swap.resumeOffset == 0)
        #expect(swap.header?.uuid == Fixtures.partitionSwapUUID)
        #expect(swap.image?.partition == 2)
        #expect(swap.image?.offset == fixture.swapOffset)
        #expect(swap.image?.filesystem == .init(type: "swap", uuid: Fixtures.partitionSwapUUID, label: "diskswap"))
        #expect(swap.facts.notes.contains { $0.contains("line 3") })

        #expect(audit.remarks.count == 1)
        #expect(audit.remarks.first?.contains("/dev/vda9") == true)
    }

    @Test func testPartitionAndOffsetSelectOneArea() throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: nil)
        let second = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096, partition: 2))
        #expect(second.errors.isEmpty)
        #expect(second.reports.map(\.image?.partition) == [2])

        let byOffset = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096, offset: fixture.rootOffset))
        #expect(byOffset.errors.isEmpty)
        #expect(byOffset.reports.map(\.facts.path) == ["/swapfile"])
        #expect(byOffset.reports.first?.image?.partition == 1)

        // Without an fstab the default names are used, and every swap partition is audited.
        let all = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096))
        #expect(all.reports.map(\.facts.path) == ["/swapfile", "\(fixture.disk):2"])
    }

    /// Errors name what failed: a file inside a partition as IMAGE:N:PATH (the partition's name, then
    /// the path inside it), the image itself by its path; control characters are escaped in the line.
    @Test func testErrorsNameTheFileInsideThePartition() throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: nil)
        let missing = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096, paths: ["/nope", "/new\nline"]))
        // Paths found in no file system are reported in path order.
        #expect(
            missing.errors == [
                AreaError(
                    path: "\(fixture.disk):1:/new\nline", operation: "cannot look up", errno: .noSuchFileOrDirectory,
                    reason: "no such file inside the image"),
                AreaError(
                    path: "\(fixture.disk):1:/nope", operation: "cannot look up", errno: .noSuchFileOrDirectory,
                    reason: "no such file inside the image"),
            ])
        #expect(missing.errors.first?.description == "\(fixture.disk):1:/new\\x0aline: cannot look up: no such file inside the image")
        #expect(missing.errors.last?.description == "\(fixture.disk):1:/nope: cannot look up: no such file inside the image")
        // The swap partition is still audited.
        #expect(missing.reports.map(\.facts.path) == ["\(fixture.disk):2"])

        let noPartition = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096, partition: 3))
        #expect(noPartition.errors.map(\.path) == [fixture.disk])
        #expect(noPartition.errors.first?.description == "\(fixture.disk): no partition 3: the gpt partition table has partitions 1, 2")
    }

    @Test func testOtherFilesystemsGetUnsupportedFilesystem() throws {
        guard let mkfs = Tool.locate("mkfs.ntfs") else {
            print("skipping: mkfs.ntfs is not installed")
            return
        }
        let scratch = try Scratch()
        let ntfs = scratch.file("ntfs.img")
        try Tool.run("truncate", ["-s", "128M", ntfs])
        try Tool.run(mkfs, ["-q", "-F", "-Q", ntfs])
        let fixture = try DiskFixture.build(in: scratch, fstab: nil, extraPartition: (DiskFixture.linuxType, ntfs, 128))
        let audit = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096))
        let other = try #require(audit.reports.first { $0.image?.partition == 3 })
        #expect(other.findings.map(\.code) == [.unsupportedFilesystem])
        #expect(other.undetermined != nil)
        #expect(other.image?.filesystem.type == "ntfs")
        #expect(other.findings.first?.message.contains("swapinspect inspect") == true)
    }

    /// A btrfs partition is read offline (dump-tree): an empty one holds no swap file, and a path asked
    /// for is looked up in it too.
    @Test func testBtrfsPartitionIsReadOffline() throws {
        guard let mkfs = Tool.locate("mkfs.btrfs") else {
            print("skipping: mkfs.btrfs is not installed")
            return
        }
        let scratch = try Scratch()
        let btrfs = scratch.file("btrfs.img")
        try Tool.run("truncate", ["-s", "128M", btrfs])
        try Tool.run(mkfs, ["-q", "-f", btrfs])
        let fixture = try DiskFixture.build(in: scratch, fstab: nil, extraPartition: (DiskFixture.linuxType, btrfs, 128))
        let audit = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096))
        #expect(!audit.reports.contains { $0.image?.partition == 3 })
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        let asked = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096, paths: ["/nope"]))
        #expect(asked.errors.map(\.description).contains("\(fixture.disk):3:/nope: cannot look up: no such file inside the image"))
    }

    @Test func testImageJSONKeyOnTheCommandLine() throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: nil)
        let (output, document) = try BuiltBinary.json(["image", fixture.disk])
        #expect(output.status == 0, "\(output)")
        let reports = try #require(document["reports"] as? [[String: Any]])
        #expect(reports.count == 2)
        let image = try #require(reports.first?["image"] as? [String: Any])
        #expect(image["path"] as? String == fixture.disk)
        #expect(image["partition"] as? Int == 1)
        #expect(image["offset"] as? UInt64 == fixture.rootOffset)
        let filesystem = try #require(image["filesystem"] as? [String: Any])
        #expect(filesystem["type"] as? String == "ext4")
        #expect(filesystem["label"] as? String == "rootfs")
        #expect(reports.first?["source"] as? String == "ext2fs")
        let swapImage = try #require(reports.last?["image"] as? [String: Any])
        #expect(swapImage["partition"] as? Int == 2)
    }
}
