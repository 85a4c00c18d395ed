/// What the live adapter learns about the directory a swap file is to be created in, before anything
/// is created there.
public struct CreateSite: Sendable, Equatable {
    /// The directory, canonical.
    public var directory: String
    public var filesystem: FilesystemKind
    public var blockSize: Int
    /// The mount (or its superblock) is read-only (statvfs ST_RDONLY): nothing can be created.
    public var readOnly = false
    /// The directory is immutable or append-only (chattr +i / +a): no entry can be created or renamed.
    public var directoryImmutable = false
    /// Modes and owners come from the mount options (vfat, exFAT, ntfs-3g without `permissions`):
    /// chmod 0600 succeeds and changes nothing, so a file's mode says nothing of who made it.
    public var modesFromMount = false
    /// btrfs: what `btrfs_swap_activate` will check, read on the directory.
    public var btrfs: Btrfs?

    public init(directory: String, filesystem: FilesystemKind, blockSize: Int) {
        self.directory = directory
        self.filesystem = filesystem
        self.blockSize = blockSize
    }

    public struct Btrfs: Sendable, Equatable {
        /// BTRFS_IOC_FS_INFO.
        public var deviceCount: Int
        /// The profile bits of the DATA spaces that hold bytes (BTRFS_IOC_SPACE_INFO); nil if unread.
        public var dataProfiles: [UInt64]?
        /// The subvolume's ROOT_ITEM `last_snapshot` (0: never snapshotted); nil without CAP_SYS_ADMIN.
        public var lastSnapshot: UInt64?
        public var subvolume: UInt64?
        /// The directory's FS_COMPR_FL: new files inherit compression.
        public var directoryCompress = false

        public init(deviceCount: Int, dataProfiles: [UInt64]?, lastSnapshot: UInt64?, subvolume: UInt64?) {
            self.deviceCount = deviceCount
            self.dataProfiles = dataProfiles
            self.lastSnapshot = lastSnapshot
            self.subvolume = subvolume
        }
    }
}

/// How the blocks of a new swap file are allocated, per activation path (docs/kernel-rules.md §2.0).
public enum CreateStrategy: String, Sendable, Equatable {
    /// iomap (ext4, XFS): fallocate(2); unwritten extents are swap extents to `iomap_swapfile_activate`.
    case preallocate
    /// btrfs: NOCOW set and compression cleared on the empty file (read back), then fallocate(2).
    case noCowThenPreallocate
    /// generic (bmap: fuseblk, vfat, exfat, …): zeroes written, since `bmap` may call preallocated
    /// blocks holes and `generic_swapfile_activate` refuses a file with holes.
    case zeroFill
}

/// Why nothing is created: the kernel's reason, its errno, and the finding code it would give.
public struct CreateRefusal: Error, Sendable, Equatable {
    public var reason: String
    public var errno: ErrnoName
    public var code: FindingCode

    public init(_ code: FindingCode, _ reason: String, errno: ErrnoName) {
        self.code = code
        self.reason = reason
        self.errno = errno
    }
}

/// The size of a new area in pages, as mkswap counts them.
public struct CreateSize: Sendable, Equatable {
    public var pageSize: Int
    /// Pages of the file, the header page included (`last_page + 1`).
    public var pages: UInt64

    /// The file's length: whole pages only (a requested size is rounded down to a page, as mkswap does).
    public var bytes: UInt64 { pages * UInt64(pageSize) }
    /// The pages the kernel will report (`Adding Nk`): the header page excluded.
    public var usablePages: UInt64 { pages - 1 }
    public var usableKiB: UInt64 { usablePages * UInt64(pageSize / 1024) }

    /// nil when the request is below mkswap's 10 pages or beyond the u32 `last_page`.
    public init?(requestedBytes: UInt64, pageSize: Int) {
        let pages = requestedBytes / UInt64(pageSize)
        guard pages >= SwapHeaderWriter.minimumPages, pages - 1 <= UInt64(UInt32.max) else { return nil }
        self.pageSize = pageSize
        self.pages = pages
    }
}

public enum CreatePlanner {
    /// The strategy for the site, or the kernel's reason to refuse every swap file made there — decided
    /// before anything is created.
    public static func plan(_ site: CreateSite) -> Result<CreateStrategy, CreateRefusal> {
        if site.readOnly {
            return .failure(CreateRefusal(
                .readOnlyMount, "\(site.directory) is on a read-only mount: nothing can be created there, and swapon(2) opens O_RDWR (EROFS)",
                errno: .readOnlyFileSystem))
        }
        if site.directoryImmutable {
            return .failure(CreateRefusal(
                .immutable, "\(site.directory) is immutable or append-only (chattr +i/+a): no file can be created or renamed in it (EPERM)",
                errno: .operationNotPermitted))
        }
        switch site.filesystem.swapSupport {
        case .refused(let reason, let errno):
            return .failure(CreateRefusal(.unsupportedFilesystem, reason, errno: errno))
        case .unmodelled(let reason):
            return .failure(CreateRefusal(
                .unsupportedFilesystem, "\(reason): a swap file made there could not be proven to activate", errno: .invalidArgument))
        case .activates(.btrfs):
            if let refusal = btrfsRefusal(site) { return .failure(refusal) }
            return .success(.noCowThenPreallocate)
        case .activates(.iomap):
            return .success(.preallocate)
        case .activates(.generic), .activates(.blockDevice):
            return .success(.zeroFill)
        }
    }

    /// `btrfs_swap_activate`'s refusals that hold for any file of the directory's subvolume.
    static func btrfsRefusal(_ site: CreateSite) -> CreateRefusal? {
        guard let btrfs = site.btrfs else {
            return CreateRefusal(.unsupportedFilesystem, "the btrfs facts of \(site.directory) could not be read", errno: .invalidArgument)
        }
        if let profiles = btrfs.dataProfiles, let other = profiles.first(where: { $0 != 0 }) {
            let name = BtrfsLayout.profileName(other)
            return CreateRefusal(
                other == BtrfsLayout.profileDUP ? .unsupportedFilesystem : .multipleDevices,
                "the file system's data profile is \(name): btrfs_swap_activate refuses every extent outside a single-profile chunk (\"swapfile must have single data profile\", EINVAL); convert the data to single (btrfs balance start -dconvert=single) or use a swap partition",
                errno: .invalidArgument)
        }
        if btrfs.deviceCount > 1 {
            return CreateRefusal(
                .multipleDevices,
                "the file system spans \(btrfs.deviceCount) devices: btrfs_swap_activate refuses a swap file whose extents lie on more than one (\"swapfile must be on one device\", EINVAL), and where btrfs allocates them cannot be chosen",
                errno: .invalidArgument)
        }
        if let last = btrfs.lastSnapshot, last != 0 {
            let subvolume = btrfs.subvolume.map { "subvolume \($0)" } ?? "the subvolume"
            return CreateRefusal(
                .sharedExtents,
                "\(subvolume) of \(site.directory) is snapshotted (last snapshot at generation \(last)): a snapshot shares the swap file's extents, which btrfs_swap_activate refuses (\"swapfile must not be copy-on-write\"), and btrfs refuses to snapshot a subvolume with an active swap file (\"cannot snapshot subvolume with active swapfile\", ETXTBSY); put the swap file in a subvolume of its own that is never snapshotted (btrfs subvolume create DIR/@swap)",
                errno: .textFileBusy)
        }
        return nil
    }
}
