import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// LVM physical volumes and md RAID members inside images are named as such, with what opens them
/// (`vgchange -ay VG`, `mdadm --assemble`), never as corrupt or empty; exit 2 (nothing inside can be
/// judged offline), one JSON document valid against the schema.
@Suite("image: LVM and RAID members", .serialized)
struct VolumeMemberImageTests {
    static let mib = 1 << 20
    static let lvmType = "E6D6D379-F507-44C2-A23C-238F2A3DF928"
    static let raidType = "A19D880F-05FC-4D3B-A006-743F0F84911E"
    static let group = "vgswapinspect"

    /// `image --json` and text: exit 2, a schema-valid document with one report whose only finding is
    /// `unsupported-filesystem` with `message`, and nothing that calls it corrupt.
    static func expectMember(_ image: String, area: String, message: String, type: String) throws {
        let json = try Runner.swapinspect(["image", "--json", image])
        #expect(json.status == 2, "\(json)")
        #expect(try SchemaValidator.violations("volume-member", json.stdout).isEmpty)
        let document = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let reports = try #require(document["reports"] as? [[String: Any]])
        #expect(reports.count == 1, "\(reports)")
        let report = try #require(reports.first)
        #expect(report["path"] as? String == area)
        #expect(report["activation"] is NSNull)
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.map { $0["code"] as? String } == ["unsupported-filesystem"], "\(findings)")
        #expect(findings.first?["message"] as? String == message)
        #expect(((report["image"] as? [String: Any])?["filesystem"] as? [String: Any])?["type"] as? String == type)
        #expect((document["errors"] as? [Any] ?? []).isEmpty)
        let text = try Runner.swapinspect(["image", image])
        #expect(text.status == 2, "\(text)")
        #expect(text.stdoutText.hasPrefix("\(area): cannot predict — \(message)\n"), "\(text)")
        for output in [json.stdoutText, json.stderr, text.stdoutText, text.stderr] {
            #expect(!output.contains("corrupt"), "\(output)")
        }
    }

    // MARK: LVM

    /// lvm2 confined to the test's loop device: its own configuration directory (no backup or archive
    /// written to /etc/lvm, no devices file, no hints, no udev), `--devices DEV` on every command, and
    /// activation disabled (`--driverloaded n`): nothing is activated, so no device-mapper table exists.
    struct Lvm {
        let directory: TemporaryDirectory
        let device: String

        init(device: String, in scratch: TemporaryDirectory) throws {
            directory = try TemporaryDirectory(prefix: "swapinspect-lvm", base: scratch.path)
            self.device = device
            let config = """
                devices { use_devicesfile = 0 hints = "none" obtain_device_list_from_udev = 0 }
                backup { backup = 0 archive = 0 }
                activation { udev_sync = 0 udev_rules = 0 }

                """
            try config.write(toFile: directory.file("lvm.conf"), atomically: false, encoding: .utf8)
        }

        @discardableResult
        func run(_ command: String, _ arguments: [String]) throws -> String {
            let tool = try #require(Runner.tool(command), "\(command) (lvm2) is needed (Makefile DEBIAN_PACKAGES)")
            let result = try Runner.run(
                tool, arguments + ["--devices", device, "--driverloaded", "n"], environment: ["LVM_SYSTEM_DIR": directory.path])
            try #require(result.status == 0, "\(command) \(arguments): \(result)")
            return result.stdoutText
        }

        /// A PV on the device, the volume group, and a 16 MiB logical volume `swap`; the byte offset
        /// of its first extent on the device (pe_start + first PE × extent size, from pvs and lvs).
        func makeSwapVolume() throws -> UInt64 {
            try run("pvcreate", ["-q", device])
            // No autoactivation either: where udev runs lvm2's rules, the new PV's change event would
            // otherwise have pvscan activate the group on the host.
            try run("vgcreate", ["-q", "--setautoactivation", "n", VolumeMemberImageTests.group, device])
            try run("lvcreate", ["-q", "-an", "-Zn", "-y", "-L", "16M", "-n", "swap", VolumeMemberImageTests.group])
            let start = try run("pvs", ["--noheadings", "--units", "b", "--nosuffix", "-o", "pe_start", device])
            let segment = try run(
                "lvs", ["--noheadings", "--units", "b", "--nosuffix", "-o", "seg_pe_ranges,vg_extent_size", "\(VolumeMemberImageTests.group)/swap"])
            let fields = segment.split(whereSeparator: { $0 == " " || $0 == "\n" })
            let firstExtent = try #require(fields.first?.split(separator: ":").last?.split(separator: "-").first.flatMap { UInt64($0) }, "\(segment)")
            let extentSize = try #require(fields.last.flatMap { UInt64($0) }, "\(segment)")
            let peStart = try #require(UInt64(start.trimmingCharacters(in: .whitespacesAndNewlines)), "\(start)")
            return peStart + firstExtent * extentSize
        }
    }

    /// The device-mapper tables (`dmsetup ls`), to show the test activated nothing.
    static func deviceMapperTables() -> String {
        guard let dmsetup = Runner.tool("dmsetup"), let listed = try? Runner.run(dmsetup, ["ls"]) else { return "" }
        return listed.stdoutText + listed.stderr
    }

    /// An LVM PV over `size` bytes at `offset` of `image` (a loop device over just that range), with a
    /// swap logical volume made by mkswap (on a loop device over the LV's extents, which is what
    /// dm-linear maps it to). Every loop device is detached before it returns, whatever happens.
    static func lvmPhysicalVolume(_ image: String, offset: UInt64, size: UInt64, in scratch: TemporaryDirectory) throws {
        let before = deviceMapperTables()
        let pv = try LoopDevice(file: image, offset: offset, sizeLimit: size)
        defer { pv.detach() }
        let lvm = try Lvm(device: pv.path, in: scratch)
        let start = try lvm.makeSwapVolume()
        let lv = try LoopDevice(file: image, offset: offset + start, sizeLimit: 16 << 20)
        defer { lv.detach() }
        try Tool.run("mkswap", ["-q", "-L", "lvswap", lv.path])
        #expect(deviceMapperTables() == before, "no device-mapper table was made")
    }

    /// A GPT disk with one partition of `type` from 1 MiB, `sizeMiB` long.
    static func partitionedDisk(_ path: String, type: String, sizeMiB: Int) throws {
        try Tool.run("truncate", ["-s", String((sizeMiB + 2) * mib), path])
        try Tool.sh("echo 'label: gpt\nstart=2048, size=\(sizeMiB * 2048), type=\(type)' | sfdisk --no-reread --no-tell-kernel -q '\(path)' >/dev/null")
    }

    static func lvmMessage(_ pvUUID: String, attach: String) -> String {
        "an LVM physical volume (LVM2_member, PV UUID \(pvUUID)) of volume group \(group): its logical volumes are not read offline; \(attach), activate its volume group (vgchange -ay \(group)) and run 'swapinspect inspect' on the swap volume (/dev/\(group)/LV)"
    }

    static let losetup = "attach the image read-only first where it is a file (losetup -r -P -f --show IMAGE)"

    /// The PV UUID as libblkid reads it (blkid -p, the reference).
    static func blkidUUID(_ image: String, offset: UInt64 = 0) throws -> String {
        let result = try Tool.run("blkid", ["-p", "-O", String(offset), "-s", "UUID", "-o", "value", image])
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func lvmPartitionIsNamedWithItsVolumeGroup() throws {
        guard try BadInput.requireRoot("an LVM physical volume on a loop device") else { return }
        let scratch = try TemporaryDirectory(prefix: "swapinspect-lvm-part")
        defer { scratch.remove() }
        let disk = scratch.file("disk.img")
        try Self.partitionedDisk(disk, type: Self.lvmType, sizeMiB: 40)
        try Self.lvmPhysicalVolume(disk, offset: UInt64(Self.mib), size: UInt64(40 * Self.mib), in: scratch)
        let uuid = try Self.blkidUUID(disk, offset: UInt64(Self.mib))
        #expect(uuid.count == 38, "\(uuid)")
        try Self.expectMember(disk, area: "\(disk):1", message: Self.lvmMessage(uuid, attach: Self.losetup), type: "LVM2_member")

        // The same disk shipped as qcow2: the same member, and qemu-nbd to attach it.
        let qcow2 = scratch.file("disk.qcow2")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", disk, qcow2])
        let nbd = "attach the qcow2 image read-only first (modprobe nbd; qemu-nbd --read-only -f qcow2 -c /dev/nbd0 IMAGE)"
        try Self.expectMember(qcow2, area: "\(qcow2):1", message: Self.lvmMessage(uuid, attach: nbd), type: "LVM2_member")
    }

    @Test func wholeDiskPhysicalVolume() throws {
        guard try BadInput.requireRoot("an LVM physical volume on a loop device") else { return }
        let scratch = try TemporaryDirectory(prefix: "swapinspect-lvm-whole")
        defer { scratch.remove() }
        let disk = scratch.file("pv.img")
        try Tool.run("truncate", ["-s", String(40 * Self.mib), disk])
        try Self.lvmPhysicalVolume(disk, offset: 0, size: UInt64(40 * Self.mib), in: scratch)
        try Self.expectMember(disk, area: disk, message: Self.lvmMessage(try Self.blkidUUID(disk), attach: Self.losetup), type: "LVM2_member")
    }

    // MARK: md RAID

    /// A RAID1 member with an md version-1 superblock (drivers/md/md.c `mdp_superblock_1`, little
    /// endian, its checksum as calc_sb_1_csum): this kernel has no md driver (mdadm --create needs it),
    /// so the superblock is written here and `mdadm --examine` (which reads it without the kernel) is
    /// the reference that it is what mdadm writes. `minor` 2: at 4 KiB, data from 1 MiB; 0: at the end,
    /// data from 0.
    static func mdMember(_ path: String, minor: Int, role: UInt32, arrayUUID: [UInt8], name: String) throws {
        let size = UInt64(try FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber) / 512
        let superOffset = minor == 2 ? 8 : (size - 16) & ~7
        let dataOffset: UInt64 = minor == 2 ? 2048 : 0
        let dataSize = minor == 2 ? size - 2048 : superOffset
        let maxDevices = 2
        var block = [UInt8](repeating: 0, count: 256 + maxDevices * 2)
        func put(_ value: UInt64, at offset: Int, bytes: Int) {
            for index in 0..<bytes { block[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        }
        put(0xA92B_4EFC, at: 0, bytes: 4)  // MD_SB_MAGIC
        put(1, at: 4, bytes: 4)  // major_version
        block.replaceSubrange(16..<32, with: arrayUUID)
        block.replaceSubrange(32..<(32 + name.utf8.count), with: Array(name.utf8))
        put(1_700_000_000, at: 64, bytes: 8)  // ctime
        put(1, at: 72, bytes: 4)  // level: raid1
        put(dataSize, at: 80, bytes: 8)  // size
        put(2, at: 92, bytes: 4)  // raid_disks
        put(dataOffset, at: 128, bytes: 8)
        put(dataSize, at: 136, bytes: 8)
        put(superOffset, at: 144, bytes: 8)
        put(UInt64(role), at: 160, bytes: 4)  // dev_number
        block.replaceSubrange(168..<184, with: [UInt8](repeating: 0, count: 15) + [UInt8(role + 1)])  // device_uuid
        put(1_700_000_000, at: 192, bytes: 8)  // utime
        put(1, at: 200, bytes: 8)  // events
        put(UInt64.max, at: 208, bytes: 8)  // resync_offset: in sync
        put(UInt64(maxDevices), at: 220, bytes: 4)
        put(0, at: 256, bytes: 2)  // dev_roles[0] = 0
        put(1, at: 258, bytes: 2)  // dev_roles[1] = 1
        var sum: UInt64 = 0
        for offset in stride(from: 0, to: block.count, by: 4) {
            sum += UInt64(block[offset]) | UInt64(block[offset + 1]) << 8 | UInt64(block[offset + 2]) << 16 | UInt64(block[offset + 3]) << 24
        }
        put((sum & 0xFFFF_FFFF) + (sum >> 32), at: 216, bytes: 4)  // sb_csum
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: superOffset * 512)
        handle.write(Data(block))
        let examined = try Tool.run("mdadm", ["--examine", path]).stdoutText
        try #require(examined.contains("Checksum : ") && examined.contains(" - correct"), "\(examined)")
        try #require(examined.contains("Version : 1.\(minor)") && examined.contains("Raid Level : raid1"), "\(examined)")
    }

    /// A RAID1 member with an md 0.90 superblock (`mdp_super_t`, 1024 little-endian words, 64 KiB
    /// aligned at the end, its checksum as calc_sb_csum), checked with `mdadm --examine`.
    static func mdMember090(_ path: String, role: UInt32) throws {
        let bytes = UInt64(try FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber)
        let offset = (bytes & ~0xFFFF) - 0x10000
        var words = [UInt32](repeating: 0, count: 1024)
        words[0] = 0xA92B_4EFC  // md_magic
        words[2] = 90  // minor_version
        (words[5], words[13], words[14], words[15]) = (0x1234_5678, 0x1234_4234, 0x8234_1234, 0x5678_9ABC)  // set_uuid0..3
        (words[6], words[7], words[8], words[9], words[10]) = (1_700_000_000, 1, UInt32(offset / 1024), 2, 2)  // ctime, level, size (KiB), nr_disks, raid_disks
        (words[32], words[33], words[34], words[35], words[39]) = (1_700_000_000, 1, 2, 2, 1)  // utime, state (clean), active, working, events_lo
        for disk in 0..<2 { (words[128 + 32 * disk], words[131 + 32 * disk], words[132 + 32 * disk]) = (UInt32(disk), UInt32(disk), 6) }
        (words[992], words[995], words[996]) = (role, role, 6)  // this_disk: number, raid_disk, state (active, sync)
        let sum = words.reduce(UInt64(0)) { $0 + UInt64($1) }
        words[38] = UInt32(truncatingIfNeeded: (sum & 0xFFFF_FFFF) + (sum >> 32))  // sb_csum
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        handle.write(Data(words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }))
        let examined = try Tool.run("mdadm", ["--examine", path]).stdoutText
        try #require(examined.contains("Version : 0.90.00") && examined.contains(" - correct"), "\(examined)")
    }

    static let arrayUUID: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x42, 0x34, 0x82, 0x34, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC]
    static let arrayUUIDText = "12345678-1234-4234-8234-123456789abc"

    static func raidMessage(version: String, atEnd: Bool) -> String {
        // Metadata 0.90 has no array name.
        let array = version.hasPrefix("0.90") ? "the array with UUID \(arrayUUIDText)" : "array buildhost:swap (UUID \(arrayUUIDText))"
        var message = "a RAID member (linux_raid_member, md metadata \(version)) of \(array): one member is not the array; \(losetup), assemble the array (mdadm --assemble --readonly --scan --uuid=\(arrayUUIDText)) and run 'swapinspect image' on the md device"
        if atEnd {
            message += "; its superblock is at the member's end, so the member starts with the array's data: a file system or swap area there is the array's, read from the assembled array, never from one member"
        }
        return message
    }

    @Test func raidMembersWithTheSuperblockAtTheStart() throws {
        let scratch = try TemporaryDirectory(prefix: "swapinspect-md12")
        defer { scratch.remove() }
        // Two members of a RAID1 whose array holds a swap area (mkswap of the array's data, at 1 MiB).
        let swap = scratch.file("array.swap")
        try Tool.run("truncate", ["-s", String(31 * Self.mib), swap])
        try Tool.run("mkswap", ["-q", "-L", "mdswap", swap])
        for role in [UInt32(0), 1] {
            let member = scratch.file("member\(role).img")
            try Tool.run("truncate", ["-s", String(32 * Self.mib), member])
            try Tool.run("dd", ["if=\(swap)", "of=\(member)", "bs=1M", "seek=1", "conv=notrunc,sparse", "status=none"])
            try Self.mdMember(member, minor: 2, role: role, arrayUUID: Self.arrayUUID, name: "buildhost:swap")
            try Self.expectMember(member, area: member, message: Self.raidMessage(version: "1.2", atEnd: false), type: "linux_raid_member")
        }
        // A member as a partition of a disk image.
        let disk = scratch.file("disk.img")
        try Self.partitionedDisk(disk, type: Self.raidType, sizeMiB: 32)
        try Tool.run("dd", ["if=\(scratch.file("member0.img"))", "of=\(disk)", "bs=1M", "seek=1", "conv=notrunc,sparse", "status=none"])
        try Self.expectMember(disk, area: "\(disk):1", message: Self.raidMessage(version: "1.2", atEnd: false), type: "linux_raid_member")
    }

    @Test func raidMemberWithTheSuperblockAtTheEndHidesItsFileSystem() throws {
        let scratch = try TemporaryDirectory(prefix: "swapinspect-md10")
        defer { scratch.remove() }
        // Metadata 1.0: the array's ext4 (with a swap file) starts the member, the superblock is after it.
        let root = scratch.file("root")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Fixture.swapFile(root + "/swapfile", mib: 4)
        let member = scratch.file("member.img")
        try Tool.run("truncate", ["-s", String(32 * Self.mib), member])
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", "-d", root, member, "31M"])
        try Self.mdMember(member, minor: 0, role: 0, arrayUUID: Self.arrayUUID, name: "buildhost:swap")
        let blkid = try Tool.run("blkid", ["-p", "-o", "export", member]).stdoutText
        #expect(blkid.contains("TYPE=linux_raid_member") && blkid.contains("VERSION=1.0"), "\(blkid)")
        try Self.expectMember(member, area: member, message: Self.raidMessage(version: "1.0", atEnd: true), type: "linux_raid_member")
    }

    @Test func raidMemberWithMetadata090() throws {
        let scratch = try TemporaryDirectory(prefix: "swapinspect-md090")
        defer { scratch.remove() }
        // The array's swap area starts the member; the 0.90 superblock is in its last 64 KiB.
        let member = scratch.file("member.img")
        try Tool.run("truncate", ["-s", String(32 * Self.mib), member])
        try Tool.run("mkswap", ["-q", member, String(31 * 1024)])
        try Self.mdMember090(member, role: 0)
        try Self.expectMember(member, area: member, message: Self.raidMessage(version: "0.90.0", atEnd: true), type: "linux_raid_member")
    }
}
