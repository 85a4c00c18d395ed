import SwapInspectCore
@testable import SwapInspectImage
import Testing

/// Where a swap path of the booted system lies on a kernel-mounted btrfs (`ImageAuditRun.mountedPath`):
/// the longest fstab mount point above it, the subvolume its entry mounts, and the rest of the path.
@Suite struct KernelMountPathTests {
    static let fstab = FstabParser.parse(
        """
        UUID=fs / btrfs subvol=@,compress=zstd 0 0
        UUID=fs /swap btrfs subvol=@swap 0 0
        UUID=fs /home/ btrfs subvolid=258 0 0
        UUID=other /data ext4 defaults 0 2
        /swap/swapfile none swap defaults 0 0
        """
    ).entries

    static func mapped(_ path: String, root: String? = nil) -> MountedPath? {
        ImageAuditRun.mountedPath(path, entries: fstab, isThisFilesystem: { $0.spec == "UUID=fs" }, rootSubvolume: root)
    }

    @Test func longestMountPointDecides() {
        #expect(Self.mapped("/swap/swapfile") == MountedPath(mountPoint: "/swap", relative: "swapfile", subvolume: "subvol=@swap"))
        #expect(Self.mapped("/swapfile") == MountedPath(mountPoint: "/", relative: "swapfile", subvolume: "subvol=@"))
        #expect(Self.mapped("/swapper/file") == MountedPath(mountPoint: "/", relative: "swapper/file", subvolume: "subvol=@"))
        #expect(Self.mapped("/home/a/swap") == MountedPath(mountPoint: "/home", relative: "a/swap", subvolume: "subvolid=258"))
        #expect(Self.mapped("/swap") == MountedPath(mountPoint: "/swap", relative: "", subvolume: "subvol=@swap"))
    }

    @Test func anotherFileSystemsMountPointIsNotThisOne() {
        #expect(Self.mapped("/data/swapfile") == nil)
    }

    @Test func withoutAnFstabTheRootSubvolume() {
        let none = ImageAuditRun.mountedPath("/swap/swapfile", entries: [], isThisFilesystem: { _ in true }, rootSubvolume: "subvol=@")
        #expect(none == MountedPath(mountPoint: "/", relative: "swap/swapfile", subvolume: "subvol=@"))
        let top = ImageAuditRun.mountedPath("/swapfile", entries: [], isThisFilesystem: { _ in true }, rootSubvolume: nil)
        #expect(top == MountedPath(mountPoint: "/", relative: "swapfile", subvolume: nil))
    }

    @Test func optionsStateTheReadOnlyFlagsAndTheSubvolume() {
        #expect(SwapInspectImage.KernelMount.describedOptions(type: "btrfs", subvolume: nil) == "ro,nodev,nosuid,noexec,rescue=nologreplay")
        #expect(SwapInspectImage.KernelMount.describedOptions(type: "btrfs", subvolume: "subvol=@swap") == "ro,nodev,nosuid,noexec,rescue=nologreplay,subvol=@swap")
        #expect(ImageAuditRun.kernelMountType(.other("btrfs")) == "btrfs")
        #expect(ImageAuditRun.kernelMountType(.ext) == nil)
        #expect(ImageAuditRun.kernelMountType(.other("xfs")) == nil)
    }

    @Test func kernelLinesAboutTheDeviceOnly() {
        let log = [
            "BTRFS info (device loop7): first mount of filesystem 1234",
            "loop7: detected capacity change from 0 to 524288",
            "BTRFS error (device loop7 state E): cannot mount because of unknown incompat features (0x4000000000000000)",
            "BTRFS error (device loop70): something else",
            "BTRFS error (device loop7): bad tree block start",
            "BTRFS error (device loop7 state E): open_ctree failed: -22",
        ]
        #expect(SwapInspectImage.KernelMount.kernelLines(log, device: "/dev/loop7") == [
            "BTRFS error (device loop7 state E): cannot mount because of unknown incompat features (0x4000000000000000)",
            "BTRFS error (device loop7): bad tree block start",
        ])
    }
}
