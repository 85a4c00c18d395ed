internal import CExt2fs
import SwapInspectCore

extension ExtFilesystem {
    /// An inode as libext2fs reads it, with the fields the audit looks at.
    struct Inode {
        var number: UInt32
        var raw: ext2_inode

        var mode: UInt32 { UInt32(raw.i_mode) }
        var fileType: UInt32 { mode & UInt32(LINUX_S_IFMT) }
        var isRegular: Bool { fileType == UInt32(LINUX_S_IFREG) }
        var isDirectory: Bool { fileType == UInt32(LINUX_S_IFDIR) }
        var isSymlink: Bool { fileType == UInt32(LINUX_S_IFLNK) }
        var size: UInt64 { UInt64(raw.i_size) | UInt64(raw.i_size_high) << 32 }
        var uid: UInt32 { UInt32(raw.i_uid) | UInt32(raw.osd2.linux2.l_i_uid_high) << 16 }
        var gid: UInt32 { UInt32(raw.i_gid) | UInt32(raw.osd2.linux2.l_i_gid_high) << 16 }
        var flags: UInt32 { raw.i_flags }
        /// What swapon's open for writing meets in the inode: `chattr +i` and `chattr +a`.
        var openFacts: OpenFacts {
            OpenFacts(immutable: flags & UInt32(EXT2_IMMUTABLE_FL) != 0, appendOnly: flags & UInt32(EXT2_APPEND_FL) != 0)
        }
        var inUse: Bool { raw.i_links_count > 0 && raw.i_dtime == 0 }

        /// `what` for messages: "a directory", "a symbolic link", …
        var typeDescription: String { fileTypeDescription(UInt32(mode)) }
    }
}
