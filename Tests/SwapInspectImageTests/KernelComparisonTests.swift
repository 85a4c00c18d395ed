import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

/// The offline prediction against the online one and against the kernel itself: the ext4 partition of
/// a GPT disk image is attached with losetup --offset/--sizelimit, mounted read-write (swapon needs a
/// writable file system), inspected online, and activated; the kernel's `Adding` line is read from
/// /dev/kmsg. Needs root and loop devices: skips with the reason otherwise, fails with CI=true.
@Suite(.swapStateExclusive) struct KernelComparisonTests {
    static let requiredByCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static var missing: [String] {
        var missing: [String] = []
        if getuid() != 0 { missing.append("not root") }
        if access("/dev/loop-control", R_OK | W_OK) != 0 { missing.append("no /dev/loop-control") }
        if access("/dev/kmsg", R_OK) != 0 { missing.append("/dev/kmsg is not readable") }
        for tool in ["losetup", "mount", "umount", "swapon", "swapoff", "sfdisk"] where Tool.locate(tool) == nil {
            missing.append("\(tool) is not installed")
        }
        return missing
    }

    /// ext2 is mounted with -t ext4: the ext4 driver (iomap) is what the offline prediction assumes, and
    /// it maps indirect blocks, so the runs split at them.
    @Test(arguments: [("ext4", 4096), ("ext4", 1024), ("ext2", 1024), ("ext2", 4096)])
    func testOfflineEqualsOnlineEqualsKernel(type: String, blockSize: Int) throws {
        let missing = Self.missing
        if !missing.isEmpty {
            if Self.requiredByCI {
                Issue.record("CI=true requires the offline/kernel comparison to run, but: \(missing.joined(separator: "; "))")
            } else {
                print("skipping the offline/kernel comparison: \(missing.joined(separator: "; "))")
            }
            return
        }
        let scratch = try Scratch()
        let fixture = try DiskFixture.build(in: scratch, fstab: "/swapfile none swap sw 0 0\n", rootBlockSize: blockSize, rootType: type)
        let offline = try #require(
            ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096, partition: 1)).reports.first)
        #expect(offline.facts.path == "/swapfile")

        let loop = try LoopDevice(file: fixture.disk, offset: fixture.rootOffset, sizeLimit: 48 << 20)
        defer { loop.detach() }
        let mountPoint = try scratch.directory("mnt")
        let mount = try Mount(loop.path, at: mountPoint, type: "ext4")
        defer { mount.release() }
        let swapFile = mountPoint + "/swapfile"

        let (onlineOutput, document) = try BuiltBinary.json(["inspect", swapFile, "--page-size", "4096"])
        let online = try #require((document["reports"] as? [[String: Any]])?.first, "\(onlineOutput)")
        let onlineActivation = try #require(online["activation"] as? [String: Any])

        let log = KernelLogCursor()
        try Tool.run("swapon", [swapFile])
        var active = true
        defer { if active { _ = try? Tool.run("swapoff", [swapFile], check: false) } }
        let lines = try #require(log.drain(), "/dev/kmsg cannot be read")
        try Tool.run("swapoff", [swapFile])
        active = false
        try mount.unmount()

        let adding = try #require(lines.first { $0.hasPrefix("Adding ") && $0.contains(" swap on \(swapFile).") }, "\(lines)")
        let kernel = try #require(KernelAdding(adding), "\(adding)")

        let activation = try #require(offline.activation)
        #expect(activation.ok)
        // offline == kernel
        #expect(activation.pages == kernel.sizeKiB / 4, "\(adding)")
        #expect(activation.extentCount == kernel.extents, "\(adding)")
        #expect(activation.spanPages == kernel.acrossKiB / 4, "\(adding)")
        // offline == online
        #expect(onlineActivation["pages"] as? UInt64 == activation.pages)
        #expect(onlineActivation["extents"] as? Int == activation.extentCount)
        #expect(onlineActivation["spanPages"] as? UInt64 == activation.spanPages)
        #expect(online["resumeOffset"] as? UInt64 == offline.resumeOffset)
        let onlineExtents = (online["extents"] as? [[String: Any]] ?? []).map {
            SwapExtent(
                swapPage: $0["swapPage"] as? UInt64 ?? .max, physicalPage: $0["physicalPage"] as? UInt64 ?? .max,
                pages: $0["pages"] as? UInt64 ?? .max)
        }
        #expect(onlineExtents == activation.extents)
    }
}

/// `Adding %uk swap on %s.  Priority:%d extents:%d across:%lluk …`
struct KernelAdding {
    var sizeKiB: UInt64
    var extents: Int
    var acrossKiB: UInt64

    init?(_ line: String) {
        let words = line.split(separator: " ")
        guard words.count > 1, words[1].hasSuffix("k"), let size = UInt64(words[1].dropLast()) else { return nil }
        sizeKiB = size
        guard let extentsWord = words.first(where: { $0.hasPrefix("extents:") }),
            let extents = Int(extentsWord.dropFirst("extents:".count)),
            let acrossWord = words.first(where: { $0.hasPrefix("across:") }),
            let across = UInt64(acrossWord.dropFirst("across:".count).dropLast())
        else { return nil }
        self.extents = extents
        acrossKiB = across
    }
}
