import Glibc
import SwapInspectCore
import SystemPackage

/// stat(2) / lstat(2) / fstat(2) results that matter here.
struct FileStatus {
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var size: UInt64
    /// st_blocks: 512-byte units, whatever the file system's block size.
    var blocks: UInt64
    var device: UInt64
    var rdev: UInt64
    var inode: UInt64

    /// The unit of st_blocks (stat(2)).
    static let blockUnit: UInt64 = 512

    init(_ raw: stat) {
        mode = raw.st_mode
        uid = raw.st_uid
        gid = raw.st_gid
        size = UInt64(max(raw.st_size, 0))
        blocks = UInt64(max(raw.st_blocks, 0))
        device = UInt64(raw.st_dev)
        rdev = UInt64(raw.st_rdev)
        inode = UInt64(raw.st_ino)
    }

    var type: UInt32 { mode & UInt32(S_IFMT) }
    var isRegular: Bool { type == UInt32(S_IFREG) }
    var isBlockDevice: Bool { type == UInt32(S_IFBLK) }
    var isSymlink: Bool { type == UInt32(S_IFLNK) }
    /// The bytes allocated to it.
    var allocatedBytes: UInt64 { blocks * Self.blockUnit }

    /// What a non-regular, non-block object is.
    var specialFile: SpecialFile {
        switch type {
        case UInt32(S_IFDIR): .directory
        case UInt32(S_IFIFO): .fifo
        case UInt32(S_IFSOCK): .socket
        case UInt32(S_IFCHR): .characterDevice
        default: .other
        }
    }

    /// Whether `other` is the same object of the same type (device and inode).
    func isSameObject(as other: FileStatus) -> Bool {
        device == other.device && inode == other.inode && type == other.type
    }
}

private func statFollowing(_ path: String, _ raw: inout Glibc.stat) -> Int32 { stat(path, &raw) }

enum Stat {
    static func stat(_ path: String, follow: Bool = true) throws(Errno) -> FileStatus {
        var raw = Glibc.stat()
        try syscall { follow ? statFollowing(path, &raw) : lstat(path, &raw) }
        return FileStatus(raw)
    }

    static func fstat(_ fd: FileDescriptor) throws(Errno) -> FileStatus {
        var raw = Glibc.stat()
        try syscall { Glibc.fstat(fd.rawValue, &raw) }
        return FileStatus(raw)
    }
}
