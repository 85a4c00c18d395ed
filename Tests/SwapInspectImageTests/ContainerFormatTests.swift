import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectTestSupport
import Testing

/// Images as they are shipped: the GPT disk of `DiskFixture` (an ext4 root with a swap file and an
/// /etc/fstab, a swap partition) converted with qemu-img to every container format, audited through
/// qemu-storage-daemon's read-only FUSE export, and compared with the raw disk's verdicts.
@Suite struct ContainerFormatTests {
    struct Conversion: CustomStringConvertible, Sendable {
        var format: String
        var options: [String]
        var expected: String
        var description: String { ([format] + options).joined(separator: " ") }
    }

    static let conversions = [
        Conversion(format: "qcow2", options: [], expected: "qcow2"),
        Conversion(format: "qcow2", options: ["-c"], expected: "qcow2"),
        Conversion(format: "vmdk", options: [], expected: "vmdk"),
        Conversion(format: "vmdk", options: ["-o", "subformat=streamOptimized"], expected: "vmdk"),
        Conversion(format: "vhdx", options: [], expected: "vhdx"),
        Conversion(format: "vpc", options: [], expected: "vhd"),
        Conversion(format: "vpc", options: ["-o", "subformat=fixed"], expected: "vhd"),
        Conversion(format: "vdi", options: [], expected: "vdi"),
    ]

    /// `image --json` with the image's own name replaced, so that the reports of two forms of one disk
    /// compare equal when their verdicts do; and the `image` objects' format and access taken out.
    static func normalizedReports(_ image: String, _ extra: [String] = [], environment: [String: String] = [:]) throws
        -> (status: Int32, reports: [NSDictionary], formats: Set<String>, accesses: Set<String>, stderr: String)
    {
        let result = try BuiltBinary.run(["image", "--json"] + extra + [image], environment: environment)
        let text = result.stdoutText.replacingOccurrences(of: image, with: "IMAGE")
        let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        var reports: [NSDictionary] = []
        var formats: Set<String> = []
        var accesses: Set<String> = []
        for case var report as [String: Any] in document["reports"] as? [Any] ?? [] {
            if var location = report["image"] as? [String: Any] {
                formats.insert(location.removeValue(forKey: "format") as? String ?? "missing")
                accesses.insert(location.removeValue(forKey: "access") as? String ?? "missing")
                report["image"] = location
            }
            reports.append(report as NSDictionary)
        }
        return (result.status, reports, formats, accesses, result.stderr.replacingOccurrences(of: image, with: "IMAGE"))
    }

    /// What an audit may leave behind: export directories in its TMPDIR, FUSE mounts, daemons.
    static func leftovers(in directory: String) throws -> [String] {
        let exports = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("swapinspect-export") }
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).split(separator: "\n")
            .filter { $0.contains(directory) }.map(String.init)
        var daemons: [String] = []
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") where Int(entry) != nil {
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            if command.contains("qemu-storage-daemon") && command.contains(directory) { daemons.append(command) }
        }
        return exports + mounts + daemons
    }

    @Test("a converted disk gets the raw disk's verdicts", arguments: conversions)
    func testConvertedDiskMatchesRaw(_ conversion: Conversion) throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: DiskImageTests.fstab)
        let tmp = try scratch.directory("tmp")
        let raw = try Self.normalizedReports(fixture.disk, environment: ["TMPDIR": tmp])
        #expect(raw.formats == ["raw"] && raw.accesses == ["direct"])
        #expect(raw.reports.count == 3, "\(raw.stderr)")

        let converted = scratch.file("disk.\(conversion.format)")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", conversion.format] + conversion.options + [fixture.disk, converted])
        let result = try Self.normalizedReports(converted, environment: ["TMPDIR": tmp])
        #expect(result.status == raw.status)
        #expect(result.formats == [conversion.expected])
        #expect(result.accesses == ["qemu-storage-daemon"])
        #expect(result.reports == raw.reports)
        #expect(result.stderr == raw.stderr)
        #expect(try Self.leftovers(in: tmp).isEmpty)
    }

    /// A qemu that cannot set io_uring up (a seccomp filter, say) is started again with its thread
    /// pool: the audit is the raw disk's, and nothing is left.
    @Test func testDaemonWithoutIoUringIsStartedAgainWithThreads() throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: DiskImageTests.fstab)
        let tmp = try scratch.directory("tmp")
        let raw = try Self.normalizedReports(fixture.disk, environment: ["TMPDIR": tmp])
        let image = scratch.file("disk.qcow2")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", fixture.disk, image])
        let real = try #require(Tool.locate("qemu-storage-daemon"))
        // The daemon's first line as qemu prints it when io_uring_setup fails.
        let bin = try scratch.directory("bin")
        let attempts = scratch.file("attempts")
        try scratch.write(
            "bin/qemu-storage-daemon",
            """
            #!/bin/sh
            case "$*" in
            *io_uring*) echo io_uring >> \(attempts)
                echo "qemu-storage-daemon: --blockdev x: Unable to use io_uring: failed to init linux io_uring ring: Operation not permitted" >&2
                exit 1 ;;
            esac
            echo threads >> \(attempts)
            exec \(real) "$@"
            """)
        chmod(bin + "/qemu-storage-daemon", 0o755)
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try Self.normalizedReports(image, environment: ["TMPDIR": tmp, "PATH": path])
        #expect(result.status == raw.status, "\(result.stderr)")
        #expect(result.reports == raw.reports)
        #expect(result.stderr == raw.stderr)
        let tried = try String(contentsOfFile: attempts, encoding: .utf8).split(separator: "\n")
        // Where the kernel allows io_uring it is tried first; the thread pool always ends it.
        #expect(tried.last == "threads" && tried.count <= 2 && tried.filter { $0 == "threads" }.count == 1, "\(tried)")
        #expect(try Self.leftovers(in: tmp).isEmpty)
    }

    @Test func testQcow2WithSnapshotAuditsTheCurrentState() throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: DiskImageTests.fstab)
        let image = scratch.file("disk.qcow2")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", fixture.disk, image])
        try Tool.run("qemu-img", ["snapshot", "-c", "before", image])
        // After the snapshot, the swap partition's signature page is zeroed (in the raw copy too).
        let page = "write -P 0 \(fixture.swapOffset) 4096"
        try Tool.run("qemu-io", ["-f", "qcow2", "-c", page, image])
        try Tool.run("dd", ["if=/dev/zero", "of=\(fixture.disk)", "bs=4096", "count=1", "seek=\(fixture.swapOffset / 4096)", "conv=notrunc", "status=none"])
        let info = try Tool.run("qemu-img", ["snapshot", "-l", image]).stdoutText
        #expect(info.contains("before"))

        let raw = try Self.normalizedReports(fixture.disk)
        let current = try Self.normalizedReports(image)
        #expect(current.reports == raw.reports)
        #expect(current.status == raw.status)
        // The zeroed partition is reported as it is now (its fstab entries find no swap area).
        #expect(current.status != 0)
    }

    @Test func testBackingFileIsRefusedUnlessAllowed() throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: DiskImageTests.fstab)
        let base = scratch.file("base.qcow2")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", fixture.disk, base])
        let overlay = scratch.file("overlay.qcow2")
        try Tool.run("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", overlay])

        let refused = try BuiltBinary.run(["image", overlay])
        #expect(refused.status == 2)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr == "swapinspect: \(overlay): refused: the qcow2 image reads its backing file base.qcow2; give --allow-backing-file to read it too\n")

        let allowed = try Self.normalizedReports(overlay, ["--allow-backing-file"])
        let raw = try Self.normalizedReports(fixture.disk)
        #expect(allowed.reports == raw.reports)
        #expect(allowed.status == raw.status)
    }

    @Test func testExternalDataFileIsRefused() throws {
        let scratch = try Scratch()
        let image = scratch.file("disk.qcow2")
        let data = scratch.file("disk.data")
        try Tool.run("qemu-img", ["create", "-q", "-f", "qcow2", "-o", "data_file=\(data)", image, "16M"])
        let result = try BuiltBinary.run(["image", image])
        #expect(result.status == 2)
        #expect(result.stderr.contains("reads its external data file \(data); give --allow-backing-file"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func testVmdkExtentOutsideTheImageIsRefused() throws {
        let scratch = try Scratch()
        try scratch.write(
            "disk.vmdk",
            """
            # Disk DescriptorFile
            version=1
            CID=fffffffe
            parentCID=ffffffff
            createType="monolithicFlat"

            # Extent description
            RW 8 FLAT "/etc/passwd" 0

            """)
        let result = try BuiltBinary.run(["image", "--json", scratch.file("disk.vmdk")])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "swapinspect: \(scratch.file("disk.vmdk")): refused: the vmdk image reads its extent /etc/passwd; give --allow-backing-file to read it too\n")
        let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        #expect((document?["errors"] as? [Any])?.count == 1)
    }

    /// A VMDK descriptor's extent file cut off (read with --allow-backing-file): qemu would read the
    /// missing sectors or grains as zeros, so it is said to be truncated, naming the extent (exit 2).
    @Test("a cut-off VMDK extent file is truncated", arguments: [("monolithicFlat", "the flat extent"), ("twoGbMaxExtentSparse", "the sparse extent")])
    func testCutOffVmdkExtent(_ subformat: String, _ what: String) throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: nil)
        let directory = try scratch.directory("vmdk")
        let image = directory + "/disk.vmdk"
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=\(subformat)", fixture.disk, image])
        let extents = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != "disk.vmdk" }
        let extent = try #require(extents.count == 1 ? extents.first : nil, "\(extents)")
        let tmp = try scratch.directory("tmp")
        let raw = try BuiltBinary.run(["image", fixture.disk])
        let whole = try BuiltBinary.run(["image", "--allow-backing-file", image], environment: ["TMPDIR": tmp], timeout: 60)
        #expect(whole.status == raw.status, "\(whole.stderr)")
        #expect(whole.stdoutText.replacingOccurrences(of: image, with: fixture.disk).contains("/swapfile"), "\(whole.stdoutText)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: directory + "/" + extent)[.size] as? Int)
        try Tool.run("truncate", ["-s", String(size / 2), directory + "/" + extent])
        let cut = try BuiltBinary.run(["image", "--allow-backing-file", image], environment: ["TMPDIR": tmp], timeout: 60)
        #expect(cut.status == 2, "\(cut.stdoutText)\(cut.stderr)")
        #expect(cut.stderr.split(separator: "\n").count == 1, "\(cut.stderr)")
        #expect(cut.stderr.contains("truncated vmdk image: \(what) \(extent)"), "\(cut.stderr)")
        #expect(cut.stdoutText.isEmpty)
        #expect(try Self.leftovers(in: tmp).isEmpty)
    }

    @Test("truncated and corrupt container headers exit 2 with one line", arguments: ["qcow2", "vmdk", "vhdx", "vpc", "vdi"])
    func testTruncatedAndCorruptHeaders(_ format: String) throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: nil)
        let image = scratch.file("disk.\(format)")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", format, fixture.disk, image])
        let whole = try Data(contentsOf: URL(fileURLWithPath: image))
        var cases: [(name: String, bytes: Data, reason: String)] = [("head", whole.prefix(60), "truncated")]
        /// The first half of the disk converted to `format` with `-o subformat=…`.
        func firstHalf(subformat: String) throws -> Data {
            let converted = scratch.file("\(subformat).\(format)")
            try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", format, "-o", "subformat=\(subformat)", fixture.disk, converted])
            let bytes = try Data(contentsOf: URL(fileURLWithPath: converted))
            return bytes.prefix(bytes.count / 2)
        }
        switch format {
        case "qcow2":
            cases.append(("cut", whole.prefix(whole.count / 2), "truncated qcow2 image: a data cluster ends at byte"))
            var version = whole
            version[7] = 9
            cases.append(("version", version, "corrupt qcow2 header: version 9"))
            // Garbage in the tables (qemu: EIO at the read), not a cut-off file: an L1 entry, then an L2 entry.
            func field(_ bytes: Data, _ offset: Int) -> UInt64 { bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) } }
            func store(_ bytes: inout Data, _ offset: Int, _ value: UInt64) {
                bytes.replaceSubrange(offset..<offset + 8, with: (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) })
            }
            let l1 = Int(field(whole, 40))
            let l2 = Int(field(whole, l1) & 0x00FF_FFFF_FFFF_FE00)
            #expect(l2 > 0)
            var l1Garbage = whole
            store(&l1Garbage, l1, field(whole, l1) | 0x200)
            cases.append(("l1-garbage", l1Garbage, "corrupt qcow2 image: L2 table offset 0x\(String(l2 | 0x200, radix: 16)) unaligned (L1 index: 0x0)"))
            let entry = try #require((0..<8192).first { field(whole, l2 + 8 * $0) & 0x00FF_FFFF_FFFF_FE00 != 0 })
            let host = field(whole, l2 + 8 * entry) & 0x00FF_FFFF_FFFF_FE00
            var l2Garbage = whole
            store(&l2Garbage, l2 + 8 * entry, field(whole, l2 + 8 * entry) | 0x600)
            cases.append(
                ("l2-garbage", l2Garbage,
                 "corrupt qcow2 image: Cluster allocation offset 0x\(String(host | 0x600, radix: 16)) unaligned (L2 offset: 0x\(String(l2, radix: 16)), L2 index: 0x\(String(entry, radix: 16)))"))
        case "vmdk":
            cases.append(("cut", whole.prefix(whole.count / 2), "truncated vmdk image: the last grain ends at byte"))
            cases.append(("cut-stream", try firstHalf(subformat: "streamOptimized"), "truncated vmdk image: the last grain ends at byte"))
            var version = whole
            version[4] = 9
            cases.append(("version", version, "corrupt vmdk header: sparse extent version 9"))
        case "vhdx":
            // qemu's own check (vhdx_region_check of the BAT entries).
            cases.append(("cut", whole.prefix(whole.count / 2), "Image has probably been truncated"))
            var region = whole
            region.replaceSubrange((192 << 10)..<(192 << 10) + 4, with: Data(count: 4))
            region.replaceSubrange((256 << 10)..<(256 << 10) + 4, with: Data(count: 4))
            cases.append(("region", region, "corrupt vhdx header: no region table"))
        case "vpc":
            // qemu's own check (vpc_open: free_data_block_offset); a fixed VHD cut short loses its footer and
            // is the raw disk cut short, which the file system's size check names.
            cases.append(("cut", whole.prefix(whole.count / 2), "The image has been truncated"))
            cases.append(("cut-fixed", try firstHalf(subformat: "fixed"), "truncated raw image: the GPT (its backup header at LBA"))
        case "vdi":
            cases.append(("cut", whole.prefix(whole.count / 2), "truncated vdi image: the last allocated block ends at byte"))
            var type = whole
            type[76] = 4
            cases.append(("differencing", type, "a differencing VDI image"))
        default:
            break
        }
        for item in cases {
            let path = scratch.file("\(item.name).\(format)")
            try item.bytes.write(to: URL(fileURLWithPath: path))
            let tmp = try scratch.directory("tmp-\(item.name)")
            let result = try BuiltBinary.run(["image", path], environment: ["TMPDIR": tmp], timeout: 20)
            #expect(result.status == 2, "\(item.name)")
            #expect(try Self.leftovers(in: tmp).isEmpty, "\(item.name)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(item.name): \(result.stderr)")
            #expect(result.stderr.contains(item.reason), "\(item.name): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    /// Overwrites the start of the compressed cluster of a qcow2 (made with `qemu-img convert -c`) that
    /// holds the guest byte `guest` with 0xff: a final deflate block of the reserved type 3, which
    /// inflate refuses at its first byte. The image keeps its length and its tables stay sound: only
    /// qemu's read of that cluster fails (EIO).
    static func spoilCompressedCluster(_ image: String, at guest: UInt64) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: image))
        func field(_ offset: Int, _ count: Int) -> UInt64 { bytes[offset..<offset + count].reduce(0) { $0 << 8 | UInt64($1) } }
        let bits = field(20, 4)
        let l2Entries = UInt64(1) << (bits - 3)
        let l2 = field(Int(field(40, 8)) + 8 * Int(guest >> bits / l2Entries), 8) & 0x00FF_FFFF_FFFF_FE00
        let entry = field(Int(l2) + 8 * Int((guest >> bits) % l2Entries), 8)
        #expect(entry & (1 << 62) != 0, "the cluster at guest byte \(guest) is compressed")
        let host = Int(entry & ((1 << (62 - (bits - 8))) - 1))
        bytes.replaceSubrange(host..<host + 16, with: Data(repeating: 0xFF, count: 16))
        try bytes.write(to: URL(fileURLWithPath: image))
    }

    /// A partition whose first cluster qemu cannot read: libblkid takes the EIO for "nothing here",
    /// and the audit once went on without it (the swap partition's verdict, exit 0). It is an error
    /// about that partition, in the reader's words (exit 2).
    @Test func testUnreadablePartitionStartIsAnError() throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: "/swapfile none swap sw 0 0\n")
        let image = scratch.file("disk.qcow2")
        try Tool.run("qemu-img", ["convert", "-c", "-f", "raw", "-O", "qcow2", fixture.disk, image])
        try Self.spoilCompressedCluster(image, at: fixture.rootOffset)
        let tmp = try scratch.directory("tmp")
        let result = try BuiltBinary.run(["image", image], environment: ["TMPDIR": tmp], timeout: 60)
        #expect(result.status == 2, "\(result.stdoutText)\(result.stderr)")
        #expect(result.stderr.contains("\(image):1: cannot read its first 128 KiB: Input/output error"), "\(result.stderr)")
        // The swap partition, which can be read, still gets its verdict.
        #expect(result.stdoutText.contains("\(image):2"), "\(result.stdoutText)")
        #expect(try Self.leftovers(in: tmp).isEmpty)
    }

    /// The ext4 journal's cluster unreadable (the journal placed 32 MiB in, away from the superblock):
    /// an image that cannot be read (exit 2), not a file system the kernel refuses to mount (exit 1).
    @Test func testUnreadableJournalIsAnAuditErrorNotARefusal() throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try "/swapfile none swap sw 0 0\n".write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8)
        try Fixtures.swapFile(root + "/swapfile", bytes: 8 << 20)
        let filesystem = scratch.file("root.img")
        try Tool.run("mke2fs", ["-q", "-F", "-t", "ext4", "-b", "4096", "-J", "location=32M", "-E", "root_owner=0:0", "-d", root, filesystem, "48M"])
        let bmap = try Tool.run("debugfs", ["-R", "bmap <8> 0", filesystem]).stdoutText
        let journalBlock = try #require(UInt64(bmap.trimmingCharacters(in: .whitespacesAndNewlines)), "debugfs: \(bmap)")
        #expect(journalBlock * 4096 >= 1 << 20, "the journal lies outside the first clusters")
        let image = scratch.file("root.qcow2")
        try Tool.run("qemu-img", ["convert", "-c", "-f", "raw", "-O", "qcow2", filesystem, image])
        let tmp = try scratch.directory("tmp")
        let sound = try BuiltBinary.run(["image", image], environment: ["TMPDIR": tmp], timeout: 60)
        #expect(sound.status == 0, "\(sound.stdoutText)\(sound.stderr)")
        try Self.spoilCompressedCluster(image, at: journalBlock * 4096)
        let result = try BuiltBinary.run(["image", image], environment: ["TMPDIR": tmp], timeout: 60)
        #expect(result.status == 2, "\(result.stdoutText)\(result.stderr)")
        #expect(result.stderr == "swapinspect: \(image): cannot read the journal (inode 8): Input/output error\n", "\(result.stderr)")
        #expect(!result.stdoutText.contains("refuses the mount"), "\(result.stdoutText)")
        #expect(try Self.leftovers(in: tmp).isEmpty)
    }

    @Test func testInterruptedAuditLeavesNothingBehind() throws {
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: DiskImageTests.fstab)
        let image = scratch.file("disk.qcow2")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", fixture.disk, image])
        let tmp = try scratch.directory("tmp")
        var interrupted = 0
        for attempt in 0..<24 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BuiltBinary.path)
            process.arguments = ["image", "--scan", image]
            process.environment = ["TMPDIR": tmp, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Sooner or later: before the export, while it is mounted, after.
            usleep(useconds_t(2000 * attempt))
            kill(process.processIdentifier, attempt % 2 == 0 ? SIGINT : SIGTERM)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { interrupted += 1 }
            let left = try Self.leftovers(in: tmp)
            #expect(left.isEmpty, "attempt \(attempt): \(left)")
        }
        // Most attempts stop it mid-audit (the signal ends it, after the handler cleaned up).
        #expect(interrupted > 0)
    }
}
