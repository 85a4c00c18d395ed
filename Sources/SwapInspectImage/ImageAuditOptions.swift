import SwapInspectCore

/// What `swapinspect image` was asked to look at.
public struct ImageAuditOptions: Sendable {
    public var pageSize: Int
    /// Swap files to audit (`--path`); empty: the fstab's swap entries, else the usual names.
    public var paths: [String]
    public var partition: Int?
    public var offset: UInt64?
    public var scan: Bool
    /// Run `e2fsck -fn` on each ext file system that holds a swap file (`--no-fsck`: false).
    public var fsck: Bool
    /// `--allow-backing-file`: also read the files a container image names (qcow2 backing and data
    /// files, VMDK extents and parents); refused without it.
    public var allowBackingFile = false
    /// `--allow-kernel-mount`: read the file systems no offline reader reads (btrfs) through a
    /// read-only kernel mount in a private mount namespace (KernelMount.swift); refused without it.
    public var allowKernelMount = false

    public init(
        pageSize: Int, paths: [String] = [], partition: Int? = nil, offset: UInt64? = nil, scan: Bool = false, fsck: Bool = true
    ) {
        self.pageSize = pageSize
        self.fsck = fsck
        self.paths = paths
        self.partition = partition
        self.offset = offset
        self.scan = scan
    }

    /// Where a swap file is looked for when the fstab names none (Debian/Fedora, Ubuntu, systemd docs).
    public static let defaultSwapFiles = ["/swapfile", "/swap.img", "/swap/swapfile"]
}

/// The outcome: one report per swap area found, the reasons some could not be inspected (exit 2),
/// and remarks that are neither (printed on stderr by the command). An error's path is the image, a
/// partition of it (`disk.img:2`), or a file inside it (`disk.img:/swapfile`).
public struct ImageAudit: Sendable {
    public var reports: [Report] = []
    public var errors: [AreaError] = []
    public var remarks: [String] = []
    /// What each `--scan` of an inode table read and skipped.
    public var scanStatistics: [ScanStatistics] = []
}

/// Progress of a long walk (`--scan`): what, done, total.
public typealias ImageProgress = (String, UInt64, UInt64) -> Void
