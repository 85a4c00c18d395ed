import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

/// btrfs images built at test time (mkfs.btrfs on a file, loop-mounted read-write, swap files made the
/// ways people make them), judged three ways: online `inspect` on the mount, the kernel's own swapon
/// (its `Adding` line or its refusal, from /dev/kmsg), and, after unmounting, `image --path` offline
/// through `btrfs inspect-internal dump-tree`. Needs root and loop devices: skips with the reason
/// otherwise, fails with CI=true. Run under `flock /tmp/swapinspect-kernel.lock`.
@Suite(.serialized, .swapStateExclusive) struct BtrfsImageTests {
    static var missing: [String] {
        var missing = KernelComparisonTests.missing
        for tool in ["mkfs.btrfs", "btrfs", "chattr", "qemu-img"] where Tool.locate(tool) == nil { missing.append("\(tool) is not installed") }
        return missing
    }

    /// False (with the reason printed, or recorded as a failure with CI=true) when the test cannot run.
    static func canRun(_ what: String) -> Bool {
        let missing = Self.missing
        guard !missing.isEmpty else { return true }
        if KernelComparisonTests.requiredByCI {
            Issue.record("CI=true requires \(what) to run, but: \(missing.joined(separator: "; "))")
        } else {
            print("skipping \(what): \(missing.joined(separator: "; "))")
        }
        return false
    }

    static let uuid = "0b7e5f1c-2d3a-4b5c-8d9e-0f1a2b3c4d5e"
    /// The swap files of the image, as the booted system names them (the root subvolume is `root`).
    static let paths = [
        "/swapfile", "/nocow", "/fragmented", "/cow", "/compressed", "/sparse", "/swap/swapfile", "/data/swapfile", "/gone/swapfile",
    ]
    static let fstab = """
        UUID=\(uuid) / btrfs subvol=root 0 0
        UUID=\(uuid) /swap btrfs subvol=/swap,noatime 0 0
        /swap/swapfile none swap sw,pri=7 0 0

        """

    /// What the mounted file system and the kernel said about one file.
    struct Observed {
        var online: [String: Any]
        /// The kernel's `Adding` line, or its refusal (the BTRFS warning or the swapon message).
        var kernelAdding: KernelAdding?
        var kernelRefusal: String?
        var mapSwapfile: UInt64?
    }

    /// Top level: subvolumes `root` (the system: /etc/fstab, swap files, nested subvolumes `data` and
    /// `gone`, each holding a swap file and snapshotted after 3000 files made its tree two levels deep,
    /// the snapshot of `gone` deleted again) and `swap` (mounted at /swap by the fstab, holding the
    /// fstab's swap file).
    static func build(_ mountPoint: String) throws {
        let root = mountPoint + "/root"
        try Tool.run("btrfs", ["subvolume", "create", root])
        try Tool.run("btrfs", ["subvolume", "create", mountPoint + "/swap"])
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try fstab.write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8)
        try Tool.run("btrfs", ["filesystem", "mkswapfile", "--size", "16m", root + "/swapfile"])
        try Tool.run("btrfs", ["filesystem", "mkswapfile", "--size", "8m", mountPoint + "/swap/swapfile"])
        try Tool.sh(
            """
            set -e; cd '\(root)'
            touch nocow; chattr +C nocow; dd if=/dev/zero of=nocow bs=1M count=8 status=none; mkswap -q nocow
            touch fragmented other; chattr +C fragmented other
            for i in $(seq 0 127); do
              dd if=/dev/zero of=fragmented bs=64k count=1 seek=$i conv=notrunc,fsync status=none
              dd if=/dev/zero of=other bs=64k count=1 seek=$i conv=notrunc,fsync status=none
            done
            mkswap -q fragmented
            dd if=/dev/zero of=cow bs=1M count=8 status=none; mkswap -q cow
            touch compressed; chattr +c compressed; dd if=/dev/zero of=compressed bs=1M count=8 status=none; mkswap -q compressed
            touch sparse; chattr +C sparse; truncate -s 8M sparse; mkswap -q sparse
            chmod 600 swapfile nocow fragmented cow compressed sparse
            ln -s /swap/swapfile link
            btrfs subvolume create data >/dev/null; btrfs filesystem mkswapfile --size 8m data/swapfile >/dev/null
            for i in $(seq 1 3000); do echo $i > data/f$i; done
            btrfs subvolume create gone >/dev/null; btrfs filesystem mkswapfile --size 8m gone/swapfile >/dev/null
            for i in $(seq 1 3000); do echo $i > gone/f$i; done
            sync; btrfs subvolume snapshot data data-snap >/dev/null; btrfs subvolume snapshot gone gone-snap >/dev/null; sync
            btrfs subvolume delete gone-snap >/dev/null; btrfs subvolume sync . >/dev/null; sync
            """)
    }

    /// Online inspect, map-swapfile, then swapon/swapoff with the kernel's log read.
    static func observe(_ file: String, device: String) throws -> Observed {
        let (output, document) = try BuiltBinary.json(["inspect", file, "--page-size", "4096"])
        let online = try #require((document["reports"] as? [[String: Any]])?.first, "\(output)")
        let mapped = try Tool.run("btrfs", ["inspect-internal", "map-swapfile", "-r", file], check: false)
        // swapon(2) itself: swapon(8) skips a file with holes before the kernel sees it.
        let outcome = SwapControl.swapon(file, flags: SwapFlags())
        if outcome.errno == nil { _ = SwapControl.swapoff(file) }
        let lines = try #require(outcome.kernelMessages, "/dev/kmsg cannot be read")
        let adding = lines.first { $0.hasPrefix("Adding ") && $0.contains(" swap on \(file).") }.flatMap(KernelAdding.init)
        // The file system's own lines name its device (`BTRFS warning (device loop3): swapfile …`).
        let ours = lines.filter { $0.contains("(device \(device))") || $0.contains("(device \(device) ") }
        let refusal = ours.first { $0.contains("BTRFS warning") && $0.contains("swapfile") }
            ?? lines.first { $0.contains("Unable to find swap-space signature") }
        return Observed(
            online: online, kernelAdding: adding, kernelRefusal: outcome.errno == nil ? nil : refusal ?? "swapon(2): \(outcome.errno.map { "\($0)" } ?? "")",
            mapSwapfile: mapped.status == 0 ? UInt64(mapped.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) : nil)
    }

    /// The kernel's words after `(device loopN): `, the same offline (`(device ?)`).
    static func words(_ line: String?) -> String? {
        guard let line else { return nil }
        if let range = line.range(of: "): ") { return String(line[range.upperBound...]) }
        return line
    }

    static func expectSame(_ path: String, offline: Report, observed: Observed) {
        let online = observed.online
        let activation = online["activation"] as? [String: Any]
        let context = Comment(rawValue: "\(path): online \(online["activation"] ?? "nil"), kernel \(observed.kernelRefusal ?? "accepted")")
        // offline == online
        #expect(offline.activation?.ok == activation?["ok"] as? Bool, context)
        if offline.activation?.ok == true {
            #expect(offline.activation?.pages == activation?["pages"] as? UInt64, context)
            #expect(offline.activation?.extentCount == activation?["extents"] as? Int, context)
            #expect(offline.activation?.spanPages == activation?["spanPages"] as? UInt64, context)
        }
        #expect(offline.activation?.refusal?.errno.name == activation?["errno"] as? String, context)
        #expect(offline.resumeOffset == online["resumeOffset"] as? UInt64, context)
        #expect(offline.userspaceResumeOffset == online["userspaceResumeOffset"] as? UInt64, context)
        #expect(Self.words(offline.kernelLog) == Self.words(activation?["kernelLog"] as? String) || offline.activation?.ok == true, context)
        let onlineCodes = Set((online["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String })
        #expect(Set(offline.findings.map(\.code.rawValue)) == onlineCodes, context)
        let onlineExtents = (online["extents"] as? [[String: Any]] ?? []).map {
            SwapExtent(swapPage: $0["swapPage"] as? UInt64 ?? .max, physicalPage: $0["physicalPage"] as? UInt64 ?? .max, pages: $0["pages"] as? UInt64 ?? .max)
        }
        #expect(offline.activation?.extents ?? [] == onlineExtents, context)
        // offline == kernel
        if let adding = observed.kernelAdding {
            #expect(offline.activation?.ok == true, context)
            #expect(offline.activation?.pages == adding.sizeKiB / 4, context)
            #expect(offline.activation?.extentCount == adding.extents, context)
            #expect(offline.activation?.spanPages == adding.acrossKiB / 4, context)
            #expect(offline.resumeOffset == observed.mapSwapfile, context)
        } else {
            #expect(offline.activation?.ok == false, context)
            #expect(Self.words(offline.kernelLog) == Self.words(observed.kernelRefusal), context)
        }
    }

    @Test func offlineEqualsOnlineEqualsKernel() throws {
        guard Self.canRun("the btrfs offline/online/kernel comparison") else { return }
        let scratch = try Scratch()
        let image = scratch.file("btrfs.img")
        try Tool.run("truncate", ["-s", "512M", image])
        try Tool.run("mkfs.btrfs", ["-q", "-U", Self.uuid, "-L", "btrfsroot", image])
        let mountPoint = try scratch.directory("mnt")
        var observed: [String: Observed] = [:]
        do {
            let loop = try LoopDevice(file: image)
            defer { loop.detach() }
            let mount = try Mount(loop.path, at: mountPoint, type: "btrfs")
            defer { mount.release() }
            try Self.build(mountPoint)
            for path in Self.paths {
                let onMount = path.hasPrefix("/swap/") ? mountPoint + path : mountPoint + "/root" + path
                observed[path] = try Self.observe(onMount, device: loop.name)
            }
            try mount.unmount()
        }
        // The kernel's verdicts this fixture is about (so that a fixture gone wrong cannot pass).
        #expect(observed["/swapfile"]?.kernelAdding != nil)
        #expect((observed["/fragmented"]?.kernelAdding?.extents ?? 0) > 10)
        #expect(observed["/cow"]?.kernelRefusal?.hasSuffix("swapfile must not be copy-on-write") == true)
        #expect(observed["/compressed"]?.kernelRefusal?.hasSuffix("swapfile must not be compressed") == true)
        #expect(observed["/sparse"]?.kernelRefusal?.hasSuffix("swapfile must not have holes") == true)
        #expect(observed["/data/swapfile"]?.kernelRefusal?.hasSuffix("swapfile must not be copy-on-write") == true)
        #expect(observed["/gone/swapfile"]?.kernelAdding != nil)

        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, paths: Self.paths))
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        for path in Self.paths {
            let report = try #require(audit.reports.first { $0.facts.path == path }, "no report for \(path)")
            #expect(report.facts.source == .dumpTree)
            #expect(report.image?.filesystem.type == "btrfs" && report.image?.filesystem.label == "btrfsroot")
            Self.expectSame(path, offline: report, observed: observed[path]!)
        }
        // Both snapshotted swap files were written before their subvolume's last snapshot: the verdict
        // came from the walk up the tree (shared while the snapshot lives, not once it is deleted).
        let walked = try ["/data/swapfile", "/gone/swapfile"].map { path in
            try #require(audit.reports.first { $0.facts.path == path }?.facts.btrfs?.items?.first?.treeSharing)
        }
        #expect(walked.count == 2)
        if case .shared = walked[0] {} else { Issue.record("/data/swapfile: \(walked[0])") }
        #expect(walked[1] == .notShared)
        try expectFstabAndLinks(image)
        try expectPartitionAndQcow2(image, scratch: scratch)
    }

    /// No --path: the fstab of subvolume `root` names /swap/swapfile, in subvolume `swap`; a symbolic
    /// link is resolved in the booted system's namespace.
    func expectFstabAndLinks(_ image: String) throws {
        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096))
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        let report = try #require(audit.reports.first)
        #expect(audit.reports.count == 1)
        #expect(report.facts.path == "/swap/swapfile")
        #expect(report.facts.priority == 7)
        #expect(report.facts.notes.contains { $0.contains("/etc/fstab read from subvolume") && $0.contains("mounts at /") })
        #expect(report.activation?.ok == true)
        let linked = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, paths: ["/link"]))
        let viaLink = try #require(linked.reports.first)
        #expect(viaLink.facts.path == "/swap/swapfile")
        #expect(viaLink.activation?.extents == report.activation?.extents)
        #expect(viaLink.facts.notes.contains("symbolic link inside the image: /link -> /swap/swapfile"))
    }

    /// The same file system as partition 2 of a GPT disk, raw and converted to qcow2: the same verdicts.
    func expectPartitionAndQcow2(_ filesystem: String, scratch: Scratch) throws {
        let disk = scratch.file("disk.img")
        try Tool.run("truncate", ["-s", "\((2 + 512 + 1) << 20)", disk])
        try """
            label: gpt
            start=2048, size=2048, type=\(DiskFixture.linuxType)
            start=4096, size=\(512 << 11), type=\(DiskFixture.linuxType)

            """.write(toFile: scratch.file("sfdisk"), atomically: false, encoding: .utf8)
        try Tool.sh("sfdisk --no-reread --no-tell-kernel -q '\(disk)' < '\(scratch.file("sfdisk"))' >/dev/null")
        try Tool.run("dd", ["if=\(filesystem)", "of=\(disk)", "bs=1M", "seek=2", "conv=notrunc,sparse", "status=none"])
        let tmp = try scratch.directory("tmp")
        let arguments = ["--page-size", "4096"] + Self.paths.flatMap { ["--path", $0] }
        let whole = try ContainerFormatTests.normalizedReports(filesystem, arguments, environment: ["TMPDIR": tmp])
        let raw = try ContainerFormatTests.normalizedReports(disk, arguments, environment: ["TMPDIR": tmp])
        #expect(raw.status == 1, "\(raw.stderr)")
        #expect(raw.reports.count == Self.paths.count)
        #expect(raw.reports.compactMap { $0["activation"] as? NSDictionary } == whole.reports.compactMap { $0["activation"] as? NSDictionary })
        #expect(raw.reports.compactMap { $0["extents"] as? NSArray } == whole.reports.compactMap { $0["extents"] as? NSArray })
        let qcow2 = scratch.file("disk.qcow2")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", disk, qcow2])
        let converted = try ContainerFormatTests.normalizedReports(qcow2, arguments, environment: ["TMPDIR": tmp])
        #expect(converted.reports == raw.reports)
        #expect(converted.stderr == raw.stderr)
        #expect(converted.status == raw.status)
        #expect(try ContainerFormatTests.leftovers(in: tmp).isEmpty)
    }

    /// A copy taken after an fsync and before the next commit holds a log tree, which the kernel
    /// replays when it mounts the file system: dump-tree's trees are not the kernel's, said plainly.
    @Test func aLogTreeIsSaidPlainly() throws {
        guard Self.canRun("the btrfs log tree test") else { return }
        let scratch = try Scratch()
        let image = scratch.file("btrfs.img")
        let copy = scratch.file("copy.img")
        try Tool.run("truncate", ["-s", "256M", image])
        try Tool.run("mkfs.btrfs", ["-q", image])
        let mountPoint = try scratch.directory("mnt")
        do {
            let loop = try LoopDevice(file: image)
            defer { loop.detach() }
            try Tool.run("mount", ["-o", "commit=300", loop.path, mountPoint])
            var mounted = true
            defer { if mounted { _ = try? Tool.run("umount", ["-l", mountPoint], check: false) } }
            try Tool.run("btrfs", ["filesystem", "mkswapfile", "--size", "8m", mountPoint + "/swapfile"])
            try Tool.run("sync", ["-f", mountPoint + "/swapfile"])
            try Tool.run("dd", ["if=/dev/zero", "of=\(mountPoint)/late", "bs=4k", "count=1", "conv=fsync", "status=none"])
            try Tool.run("cp", ["--sparse=always", image, copy])
            try Tool.run("umount", [mountPoint])
            mounted = false
        }
        let superblock = try Tool.run("btrfs", ["inspect-internal", "dump-super", copy]).stdoutText
        try #require(!superblock.contains("log_root\t\t0\n"), "the copy has no log tree: \(superblock)")
        let audit = ImageAuditor.audit(image: copy, options: ImageAuditOptions(pageSize: 4096, paths: ["/swapfile"]))
        let report = try #require(audit.reports.first)
        #expect(report.undetermined?.contains("its log tree is not empty") == true, "\(report.undetermined ?? "nil")")
        #expect(report.findings.map(\.code) == [.unsupportedFilesystem])
        // The original, unmounted cleanly, has none.
        let clean = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, paths: ["/swapfile"]))
        #expect(clean.reports.first?.activation?.ok == true, "\(clean.errors)")
    }
}
