/// What swapon(2) does with a swap file on a file system (docs/kernel-rules.md §2.0): activate it
/// through one of the modelled paths, something swapinspect does not model, or refuse every file.
public enum SwapSupport: Sendable, Equatable {
    /// `setup_swap_extents` runs this activation path.
    case activates(ActivationModel)
    /// The file system has a swap path swapinspect does not model yet (f2fs, NFS, SMB): cannot predict.
    case unmodelled(String)
    /// The kernel refuses every swap file here, with this errno.
    case refused(String, ErrnoName = .invalidArgument)
}

/// A file system by the name `/proc/mounts` and libblkid give it.
public enum FilesystemType: Sendable, Hashable, CustomStringConvertible {
    case ext2, ext3, ext4, xfs, btrfs, fuseblk
    case tmpfs, ramfs, overlay, zfs, nfs, cifs, f2fs, bcachefs, ninep, ceph
    /// Any other, by the name it was mounted with (`vfat`, `exfat`, `ntfs3`, …) or a description.
    case named(String)

    static let known: [FilesystemType] = [
        .ext2, .ext3, .ext4, .xfs, .btrfs, .fuseblk, .tmpfs, .ramfs, .overlay, .zfs, .nfs, .cifs, .f2fs, .bcachefs,
        .ninep, .ceph,
    ]

    /// The type for a mount type or libblkid TYPE: a known case where there is one.
    public init(_ name: String) {
        self = Self.known.first { $0.name == name } ?? .named(name)
    }

    public var name: String {
        switch self {
        case .ext2: "ext2"
        case .ext3: "ext3"
        case .ext4: "ext4"
        case .xfs: "xfs"
        case .btrfs: "btrfs"
        case .fuseblk: "fuseblk"
        case .tmpfs: "tmpfs"
        case .ramfs: "ramfs"
        case .overlay: "overlay"
        case .zfs: "zfs"
        case .nfs: "nfs"
        case .cifs: "cifs"
        case .f2fs: "f2fs"
        case .bcachefs: "bcachefs"
        case .ninep: "9p"
        case .ceph: "ceph"
        case .named(let name): name
        }
    }

    /// ext2 or ext3 on disk, which the ext4 driver serves on current kernels (CONFIG_EXT4_USE_FOR_EXT2).
    public var isOlderExtFormat: Bool { self == .ext2 || self == .ext3 }

    public var description: String { name }
}

/// A file system's type and what swapon(2) does with swap files on it.
public struct FilesystemKind: Sendable, Equatable {
    public var type: FilesystemType
    public var swapSupport: SwapSupport

    public init(type: FilesystemType, swapSupport: SwapSupport) {
        self.type = type
        self.swapSupport = swapSupport
    }

    public var name: String { type.name }
}

/// statfs(2) `f_type` values (include/uapi/linux/magic.h and the file systems' own headers).
public enum FilesystemMagic {
    public static let ext = UInt64(0xEF53)
    public static let xfs = UInt64(0x5846_5342)
    public static let btrfs = UInt64(0x9123_683E)
    public static let tmpfs = UInt64(0x0102_1994)
    public static let ramfs = UInt64(0x8584_58F6)
    public static let overlay = UInt64(0x794C_7630)
    public static let nfs = UInt64(0x6969)
    public static let smb2 = UInt64(0xFE53_4D42)
    public static let cifs = UInt64(0xFF53_4D42)
    public static let zfs = UInt64(0x2FC1_2FC1)
    public static let f2fs = UInt64(0xF2F5_2010)
    public static let fuse = UInt64(0x6573_5546)
    public static let msdos = UInt64(0x4D44)
    public static let exfat = UInt64(0x2011_BAB0)
    public static let ntfs3 = UInt64(0x7366_746E)
    public static let hfsplus = UInt64(0x482B)
    public static let jfs = UInt64(0x3153_464A)
    public static let udf = UInt64(0x1501_3346)
    public static let nilfs = UInt64(0x3434)
    public static let gfs2 = UInt64(0x0116_1970)
    public static let ocfs2 = UInt64(0x7461_636F)
    public static let squashfs = UInt64(0x7371_7368)
    public static let erofs = UInt64(0xE0F5_E1E2)
    public static let iso9660 = UInt64(0x9660)
    public static let proc = UInt64(0x9FA0)
    public static let sysfs = UInt64(0x6265_6572)
    public static let ninep = UInt64(0x0102_1997)
    public static let ceph = UInt64(0x00C3_6400)
    public static let bcachefs = UInt64(0xCA45_1A4E)
}

public enum FilesystemCatalog {
    /// Classify by statfs magic. `ext4Driver` tells whether an ext2/3/4 file system is served by the
    /// ext4 driver (iomap) rather than the standalone ext2 driver (generic bmap).
    public static func classify(magic: UInt64, mountType: String?, ext4Driver: Bool) -> FilesystemKind {
        let noSwap = "has no swap path (neither ->swap_activate nor ->bmap): swapon fails with EINVAL"
        func kind(_ type: FilesystemType, _ support: SwapSupport) -> FilesystemKind {
            FilesystemKind(type: type, swapSupport: support)
        }
        func mounted(_ fallback: String) -> FilesystemType { FilesystemType(mountType ?? fallback) }
        switch magic {
        case FilesystemMagic.ext: return kind(mounted("ext4"), .activates(ext4Driver ? .iomap : .generic))
        case FilesystemMagic.xfs: return kind(.xfs, .activates(.iomap))
        case FilesystemMagic.btrfs: return kind(.btrfs, .activates(.btrfs))
        case FilesystemMagic.tmpfs: return kind(.tmpfs, .refused("tmpfs \(noSwap)"))
        case FilesystemMagic.ramfs: return kind(.ramfs, .refused("ramfs \(noSwap)"))
        case FilesystemMagic.overlay:
            return kind(.overlay, .refused("overlayfs \(noSwap); put the swap file on the underlying file system"))
        case FilesystemMagic.zfs: return kind(.zfs, .refused("ZFS \(noSwap); use a zvol as a swap device instead"))
        case FilesystemMagic.proc, FilesystemMagic.sysfs: return kind(mounted("pseudo"), .refused("a pseudo file system \(noSwap)"))
        case FilesystemMagic.ninep: return kind(.ninep, .refused("9p \(noSwap)"))
        case FilesystemMagic.ceph: return kind(.ceph, .refused("ceph \(noSwap)"))
        case FilesystemMagic.squashfs, FilesystemMagic.erofs, FilesystemMagic.iso9660:
            return kind(mounted("read-only"), .refused("a read-only file system: swapon fails with EROFS", .readOnlyFileSystem))
        case FilesystemMagic.nfs: return kind(.nfs, .unmodelled("NFS swap (nfs_swap_activate, CONFIG_NFS_SWAP) is not modelled"))
        case FilesystemMagic.smb2, FilesystemMagic.cifs: return kind(.cifs, .unmodelled("SMB swap (cifs_swap_activate) is not modelled"))
        case FilesystemMagic.f2fs:
            return kind(.f2fs, .unmodelled("f2fs swap (f2fs_swap_activate, section alignment and block migration) is not modelled"))
        case FilesystemMagic.bcachefs: return kind(.bcachefs, .refused("bcachefs \(noSwap)"))
        case FilesystemMagic.fuse:
            if mountType == "fuseblk" { return kind(.fuseblk, .activates(.generic)) }
            return kind(mounted("fuse"), .refused("FUSE \(noSwap)"))
        case FilesystemMagic.msdos, FilesystemMagic.exfat, FilesystemMagic.ntfs3, FilesystemMagic.hfsplus,
            FilesystemMagic.jfs, FilesystemMagic.udf, FilesystemMagic.nilfs, FilesystemMagic.gfs2, FilesystemMagic.ocfs2:
            return kind(mounted("bmap"), .activates(.generic))
        default:
            let hex = String(magic, radix: 16)
            return kind(
                mounted("unknown"),
                .unmodelled("unknown file system (statfs magic 0x\(hex)); its swap path is not known to swapinspect"))
        }
    }
}

extension FilesystemCatalog {
    /// Whether a file system of this mount type keeps no mode or owner per file, so that they come from
    /// its mount options (uid=, gid=, umask=, fmask=, dmask=) and chmod and chown store nothing:
    /// - vfat and msdos: `fat_setattr` drops a mode its masks do not give (`fat_sanitize_mode`) and
    ///   refuses another owner, and `fat_reconfigure` ignores every option on a remount;
    /// - exFAT: `exfat_setattr` likewise, and `exfat_reconfigure` refuses changed masks or owners;
    /// - fuseblk without `default_permissions` in its super block options: ntfs-3g mounted without its
    ///   `permissions` option (and without umask/fmask), whose chmod and chown succeed and change
    ///   nothing (its `silent` default). With `permissions` it stores them; with umask/fmask alone it
    ///   also sets default_permissions but keeps none — mountinfo does not tell those two apart.
    public static func modesFromMount(mountType: String?, superOptions: [Substring]) -> Bool {
        switch mountType {
        case "vfat", "msdos", "exfat": true
        case "fuseblk": !superOptions.contains("default_permissions")
        default: false
        }
    }
}
