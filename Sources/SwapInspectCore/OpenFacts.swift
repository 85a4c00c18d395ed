/// What swapon(2)'s first step meets: it opens the area `O_RDWR | O_EXCL` (`file_open_name`) and
/// claims it (`claim_swapfile`) before it reads anything (docs/kernel-rules.md §1.2 step 6).
public struct OpenFacts: Sendable, Equatable {
    /// `FS_IMMUTABLE_FL` (`chattr +i`): no open for writing.
    public var immutable = false
    /// `FS_APPEND_FL` (`chattr +a`): no open for writing without O_APPEND.
    public var appendOnly = false
    /// The file system's super block is read-only (`SB_RDONLY`): its mount point.
    public var readOnlySuperblock: String? = nil
    /// This mount is read-only (`MNT_READONLY`, a read-only bind mount of a writable file system
    /// included): its mount point.
    public var readOnlyMount: String? = nil
    /// A block device: where it is mounted (its file system claims it exclusively).
    public var mountedAt: String? = nil
    /// A block device: what holds it (`/sys/class/block/NAME/holders`: dm, md, loop, bcache …).
    public var holders: [String] = []
    /// A block device that an exclusive open could not claim: someone else holds it open `O_EXCL`.
    public var claimedElsewhere = false
    /// What stops the kernel before swapon's open: a file system it would not mount read-write, or a
    /// swap file whose inode or extent tree it would reject (read offline by the image adapter).
    public var filesystemError: FilesystemError? = nil

    public init(
        immutable: Bool = false, appendOnly: Bool = false, readOnlySuperblock: String? = nil,
        readOnlyMount: String? = nil, mountedAt: String? = nil, holders: [String] = [], claimedElsewhere: Bool = false,
        filesystemError: FilesystemError? = nil
    ) {
        self.filesystemError = filesystemError
        self.immutable = immutable
        self.appendOnly = appendOnly
        self.readOnlySuperblock = readOnlySuperblock
        self.readOnlyMount = readOnlyMount
        self.mountedAt = mountedAt
        self.holders = holders
        self.claimedElsewhere = claimedElsewhere
    }
}

/// Why the kernel would not get to a swap file on a damaged file system, as the image adapter reads it.
public struct FilesystemError: Sendable, Equatable {
    /// What the kernel returns: EFSBADCRC (EBADMSG) for a checksum, EFSCORRUPTED (EUCLEAN) for other
    /// damage, EINVAL for a feature or journal it does not know, EROFS where it mounts read-only only.
    public var errno: ErrnoName
    /// The file system mounts, but only read-only (an unknown ro_compat feature): EROFS on open.
    public var readOnly: Bool
    /// What is wrong and what to run, in words (the image adapter names the e2fsck command).
    public var message: String

    public init(errno: ErrnoName, readOnly: Bool = false, message: String) {
        self.errno = errno
        self.readOnly = readOnly
        self.message = message
    }
}

extension KernelRules {
    /// The open that swapon(2) does first, in the VFS's order: `inode_permission` (a read-only super
    /// block: EROFS; an immutable inode: EPERM), `may_open` (append-only without O_APPEND: EPERM),
    /// `do_dentry_open`'s write access to the mount (a read-only mount: EROFS), and for a block device
    /// the exclusive claim (`bdev_open` with a holder: EBUSY when mounted, held or claimed).
    public static func swaponOpen(_ facts: AreaFacts) -> Refusal? {
        let open = facts.open
        let path = facts.path
        // Before any open: a file system that does not mount read-write has no file to open
        // (ext4_fill_super, ext4_iget's checksum and ext4_ext_check_inode refuse first).
        if facts.kind == .file, let damage = open.filesystemError {
            let code: FindingCode = damage.readOnly ? .readOnlyMount : .filesystemErrors
            return Refusal(errno: damage.readOnly ? .readOnlyFileSystem : damage.errno, kernelMessage: nil, finding: Finding(code, damage.message))
        }
        // squashfs, erofs, iso9660 are read-only by nature: no remount helps, the catalog says why.
        var writable = facts.kind == .file
        if case .refused(_, .readOnlyFileSystem) = facts.filesystem?.kind.swapSupport { writable = false }
        if writable, let mountPoint = open.readOnlySuperblock {
            return readOnly(path, mountPoint: mountPoint, what: "the file system is mounted read-only")
        }
        if open.immutable {
            return Refusal(
                errno: .operationNotPermitted, kernelMessage: nil,
                finding: Finding(
                    .immutable, "the inode is immutable (chattr +i): swapon cannot open it for writing and fails with EPERM"))
        }
        if open.appendOnly {
            return Refusal(
                errno: .operationNotPermitted, kernelMessage: nil,
                finding: Finding(
                    .immutable, "the inode is append-only (chattr +a): swapon cannot open it for writing and fails with EPERM"))
        }
        if writable, let mountPoint = open.readOnlyMount {
            return readOnly(path, mountPoint: mountPoint, what: "the mount is read-only (its own flag: a read-only bind mount counts)")
        }
        guard facts.kind == .blockDevice else { return nil }
        let holder: String
        if let mountPoint = open.mountedAt {
            holder = "it is mounted on \(mountPoint)"
        } else if !open.holders.isEmpty {
            holder = "it is held by \(open.holders.joined(separator: ", ")) (/sys/class/block/…/holders)"
        } else if open.claimedElsewhere {
            holder = "another process has it open exclusively (O_EXCL)"
        } else {
            return nil
        }
        return Refusal(
            errno: .resourceBusy, kernelMessage: nil,
            finding: Finding(.deviceBusy, "\(holder): swapon cannot claim the device and fails with EBUSY"))
    }

    static func readOnly(_ path: String, mountPoint: String, what: String) -> Refusal {
        Refusal(
            errno: .readOnlyFileSystem, kernelMessage: nil,
            finding: Finding(
                .readOnlyMount, "\(what) at \(mountPoint): swapon cannot open \(path) for writing and fails with EROFS"))
    }
}
