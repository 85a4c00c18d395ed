internal import CSwapInspectLinux
import SystemPackage

/// What fstatfs(2) and FIGETBSZ say about the file system a descriptor lives on.
struct FilesystemGeometry {
    /// f_type: the file system's magic number.
    var magic: UInt64
    /// The block size the kernel maps the inode with (FIGETBSZ, i_blkbits), else statfs's f_bsize.
    var blockSize: UInt32

    /// fstatfs(2): f_type and f_bsize.
    static func statfs(_ fd: FileDescriptor) throws(Errno) -> (magic: UInt64, blockSize: UInt64) {
        var magic: UInt64 = 0
        var blockSize: UInt64 = 0
        try syscall { si_fstatfs(fd.rawValue, &magic, &blockSize) }
        return (magic, blockSize)
    }

    static func read(_ fd: FileDescriptor) throws(Errno) -> FilesystemGeometry {
        let (magic, fsBlockSize) = try statfs(fd)
        var blockSize: UInt32 = 0
        if (try? syscall { si_figetbsz(fd.rawValue, &blockSize) }) == nil {
            blockSize = UInt32(truncatingIfNeeded: fsBlockSize)
        }
        return FilesystemGeometry(magic: magic, blockSize: blockSize)
    }
}
