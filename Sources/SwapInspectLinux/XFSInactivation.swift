import Glibc
import SwapInspectCore
import SystemPackage

extension LiveArea {
    /// Polls of `settleXFSInactivation`, and the pause before each: 200 ms at most, only for XFS files
    /// that FIEMAP shows as shared.
    static let xfsInactivationPolls = 20
    static let xfsInactivationPause: useconds_t = 10_000

    /// `xfs_vm_swap_activate` calls `xfs_inodegc_flush` before mapping the file: extents shared only with
    /// a clone that was just unlinked are unshared by the time the kernel looks, once background inode
    /// inactivation has updated the refcount btree. Userspace cannot wait for that work, but statfs(2)
    /// expedites it (`xfs_inodegc_push`, ≥5.19), so push and map again for a moment before believing
    /// FIEMAP_EXTENT_SHARED. Extents that stay shared are really shared (a live reflink).
    static func settleXFSInactivation(_ fd: FileDescriptor, mapped: MappedExtents) -> MappedExtents {
        var current = mapped
        for _ in 0..<xfsInactivationPolls {
            _ = try? FilesystemGeometry.statfs(fd)
            usleep(xfsInactivationPause)
            guard let remapped = try? ExtentMapper.fiemap(fd, sync: false) else { break }
            current = remapped
            if !current.tally.flags.contains(.shared) { break }
        }
        return current
    }
}
