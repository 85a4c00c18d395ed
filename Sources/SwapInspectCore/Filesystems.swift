/// How the kernel activates swap on a file system (kernel-semantics §2.0).
public enum SwapPath: Sendable, Equatable {
    case iomap
    case generic
    case btrfs
    /// The file system has a swap path swapinspect does not model yet (f2fs, NFS, SMB): cannot predict.
    case unmodelled(String)
    /// The kernel refuses every swap file here.
    case refused(String)
}

public struct FilesystemKind: Sendable, Equatable {
    public var name: String
    public var swapPath: SwapPath
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
        switch magic {
        case FilesystemMagic.ext:
            let name = mountType ?? "ext4"
            return FilesystemKind(name: name, swapPath: ext4Driver ? .iomap : .generic)
        case FilesystemMagic.xfs: return FilesystemKind(name: "xfs", swapPath: .iomap)
        case FilesystemMagic.btrfs:
            return FilesystemKind(name: "btrfs", swapPath: .btrfs)
        case FilesystemMagic.tmpfs: return FilesystemKind(name: "tmpfs", swapPath: .refused("tmpfs \(noSwap)"))
        case FilesystemMagic.ramfs: return FilesystemKind(name: "ramfs", swapPath: .refused("ramfs \(noSwap)"))
        case FilesystemMagic.overlay:
            return FilesystemKind(name: "overlay", swapPath: .refused("overlayfs \(noSwap); put the swap file on the underlying file system"))
        case FilesystemMagic.zfs:
            return FilesystemKind(name: "zfs", swapPath: .refused("ZFS \(noSwap); use a zvol as a swap device instead"))
        case FilesystemMagic.proc, FilesystemMagic.sysfs:
            return FilesystemKind(name: mountType ?? "pseudo", swapPath: .refused("a pseudo file system \(noSwap)"))
        case FilesystemMagic.ninep: return FilesystemKind(name: "9p", swapPath: .refused("9p \(noSwap)"))
        case FilesystemMagic.ceph: return FilesystemKind(name: "ceph", swapPath: .refused("ceph \(noSwap)"))
        case FilesystemMagic.squashfs, FilesystemMagic.erofs, FilesystemMagic.iso9660:
            return FilesystemKind(name: mountType ?? "read-only", swapPath: .refused("a read-only file system: swapon fails with EROFS"))
        case FilesystemMagic.nfs:
            return FilesystemKind(name: "nfs", swapPath: .unmodelled("NFS swap (nfs_swap_activate, CONFIG_NFS_SWAP) is not modelled"))
        case FilesystemMagic.smb2, FilesystemMagic.cifs:
            return FilesystemKind(name: "cifs", swapPath: .unmodelled("SMB swap (cifs_swap_activate) is not modelled"))
        case FilesystemMagic.f2fs:
            return FilesystemKind(name: "f2fs", swapPath: .unmodelled("f2fs swap (f2fs_swap_activate, section alignment and block migration) is not modelled"))
        case FilesystemMagic.bcachefs:
            return FilesystemKind(name: "bcachefs", swapPath: .refused("bcachefs \(noSwap)"))
        case FilesystemMagic.fuse:
            if mountType == "fuseblk" { return FilesystemKind(name: "fuseblk", swapPath: .generic) }
            return FilesystemKind(name: mountType ?? "fuse", swapPath: .refused("FUSE \(noSwap)"))
        case FilesystemMagic.msdos, FilesystemMagic.exfat, FilesystemMagic.ntfs3, FilesystemMagic.hfsplus,
            FilesystemMagic.jfs, FilesystemMagic.udf, FilesystemMagic.nilfs, FilesystemMagic.gfs2, FilesystemMagic.ocfs2:
            return FilesystemKind(name: mountType ?? "bmap", swapPath: .generic)
        default:
            let hex = String(magic, radix: 16)
            return FilesystemKind(
                name: mountType ?? "unknown",
                swapPath: .unmodelled("unknown file system (statfs magic 0x\(hex)); its swap path is not known to swapinspect"))
        }
    }
}
