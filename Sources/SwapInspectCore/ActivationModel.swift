/// Which kernel activation path is simulated (docs/kernel-rules.md §2).
public enum ActivationModel: String, Sendable, CaseIterable {
    /// `generic_swapfile_activate` (mm/page_io.c): bmap, one page at a time.
    case generic
    /// `iomap_swapfile_activate` (fs/iomap/swapfile.c): ext4, XFS.
    case iomap
    /// `btrfs_swap_activate` (fs/btrfs/inode.c).
    case btrfs
    /// `setup_swap_extents` for a block device: one extent over the whole area.
    case blockDevice
}
