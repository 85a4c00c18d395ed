/// What kind of object the path names.
public enum AreaKind: String, Sendable {
    case file, blockDevice, other
}

/// Where the extent list came from.
public enum ExtentSource: String, Sendable {
    case fiemap, fibmap, ext2fs, blockDevice
    /// Offline, xfsprogs' `xfs_db -r` (an XFS file system in an image).
    case xfsDb = "xfs_db"
    /// Offline, btrfs-progs' `btrfs inspect-internal dump-tree` (a btrfs file system in an image).
    case dumpTree = "dump-tree"
}

public struct FilesystemFacts: Sendable, Equatable {
    public var kind: FilesystemKind
    public var blockSize: Int
    public var device: String?
    /// What a file system check (the image adapter's `e2fsck -fn`) found wrong in a file system the
    /// kernel still mounts read-write; nil when it found nothing or did not run.
    public var damage: String? = nil
    /// The mount point of a file system that keeps no mode or owner of its own: every file's come from
    /// its mount options (`FilesystemCatalog.modesFromMount`), so chmod and chown there change nothing;
    /// nil where the inode's mode and owner are stored (or the mount is unknown).
    public var modesFromMount: String? = nil
    /// Why the metadata read offline may not be what the kernel sees (the image adapter): a journal or
    /// log that the next mount replays first (ext4 needs_recovery, an XFS log whose head is not its
    /// tail); nil when it is clean or was not read.
    public var pendingLog: String? = nil

    public init(
        kind: FilesystemKind, blockSize: Int, device: String?, damage: String? = nil, modesFromMount: String? = nil,
        pendingLog: String? = nil
    ) {
        self.kind = kind
        self.blockSize = blockSize
        self.device = device
        self.damage = damage
        self.modesFromMount = modesFromMount
        self.pendingLog = pendingLog
    }
}

/// Everything an adapter (ioctls or libext2fs) learns about one swap area; the one input of the core.
public struct AreaFacts: Sendable {
    /// The path as the kernel would print it (util-linux swapon canonicalises it).
    public var path: String
    public var kind: AreaKind
    /// For `.other`: what it is (a directory, a FIFO, …); nil where it is not known.
    public var specialFile: SpecialFile?
    /// i_size of a file, or the size of a block device.
    public var size: UInt64
    public var allocatedBytes: UInt64?
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var filesystem: FilesystemFacts?
    /// The first bytes of the area (up to 64 KiB, fewer for a short file).
    public var headerBytes: [UInt8]
    /// The file's extents in file order, replaced only whole (`setExtents`), so that `extentTally`
    /// always describes them.
    public private(set) var extents: [FileExtent]
    public private(set) var extentTally: ExtentTally
    public var source: ExtentSource
    /// `si->bdev` is non-rotational (the kernel prints `SS`).
    public var nonRotational: Bool
    /// `si->bdev` supports discard (the kernel prints `D…` when discard is asked for).
    public var supportsDiscard: Bool = false
    /// The priority the kernel would give (`Priority:`).
    public var priority: Int
    /// The area's /proc/swaps line when it is active now.
    public var active: ProcSwapsEntry?
    /// Facts that could not be learned (e.g. FIBMAP and unwritten extents); shown as notes.
    public var notes: [String]
    /// A file on btrfs: what `btrfs_swap_activate` looks at (flags, file extent items, chunk map).
    public var btrfs: BtrfsFacts? = nil
    /// What swapon(2)'s open and claim meet (inode flags, read-only mounts, holders of a device).
    public var open = OpenFacts()
    /// There is no area to open, only this in its place (an fstab spec that matches nothing, an inode
    /// without a name): its kind, size and mode are not the area's (`Report.unresolved`).
    public var placeholder: String? = nil

    public mutating func setExtents(_ extents: [FileExtent]) {
        setExtents(extents, tally: ExtentTally(extents))
    }

    /// Extents whose tally an adapter of this package gathered while mapping them (no second pass).
    package mutating func setExtents(_ extents: [FileExtent], tally: ExtentTally) {
        assert(tally == ExtentTally(extents), "the tally must describe the extents")
        self.extents = extents
        extentTally = tally
    }

    public init(
        path: String, kind: AreaKind, size: UInt64, mode: UInt32 = 0o600, uid: UInt32 = 0, gid: UInt32 = 0,
        filesystem: FilesystemFacts? = nil, headerBytes: [UInt8], extents: [FileExtent] = [],
        source: ExtentSource = .fiemap, nonRotational: Bool = false, priority: Int = -2,
        active: ProcSwapsEntry? = nil, allocatedBytes: UInt64? = nil, specialFile: SpecialFile? = nil,
        notes: [String] = []
    ) {
        self.path = path
        self.kind = kind
        self.size = size
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.filesystem = filesystem
        self.headerBytes = headerBytes
        self.extents = extents
        self.extentTally = ExtentTally(extents)
        self.source = source
        self.nonRotational = nonRotational
        self.priority = priority
        self.active = active
        self.allocatedBytes = allocatedBytes
        self.specialFile = specialFile
        self.notes = notes
    }
}
