#ifndef SWAPINSPECT_LINUX_SHIM_H
#define SWAPINSPECT_LINUX_SHIM_H

// The only place where kernel ioctl numbers and kernel structs are spelled.
// Swift sees plain functions over plain integers; no kernel struct crosses the seam.

#include <stdint.h>
#include <sys/types.h>

/// One FIEMAP extent, copied out of `struct fiemap_extent` (linux/fiemap.h).
typedef struct {
    uint64_t logical;
    uint64_t physical;
    uint64_t length;
    uint32_t flags;
} si_extent;

/// Flag values of `struct fiemap_extent.fe_flags` (FIEMAP_EXTENT_*).
extern const uint32_t si_fiemap_extent_last;
extern const uint32_t si_fiemap_extent_unknown;
extern const uint32_t si_fiemap_extent_delalloc;
extern const uint32_t si_fiemap_extent_encoded;
extern const uint32_t si_fiemap_extent_data_encrypted;
extern const uint32_t si_fiemap_extent_not_aligned;
extern const uint32_t si_fiemap_extent_data_inline;
extern const uint32_t si_fiemap_extent_data_tail;
extern const uint32_t si_fiemap_extent_unwritten;
extern const uint32_t si_fiemap_extent_merged;
extern const uint32_t si_fiemap_extent_shared;

/// Receives one batch of a FIEMAP walk, in file order, on the thread that called `si_fiemap_walk`.
typedef void (*si_fiemap_batch_fn)(void *context, const si_extent *batch, uint32_t count);

/// Every extent of the file through FS_IOC_FIEMAP, `capacity` per call from file byte 0 until
/// FIEMAP_EXTENT_LAST, each batch handed to `consume` on the calling thread. When the file needs more
/// than one call, a helper thread issues the next call while `consume` works on the previous batch, so
/// the caller's work hides behind the kernel's. `sync` sets FIEMAP_FLAG_SYNC on the first call.
/// Returns 0, or -1 with errno set by the failing call (batches before it have been consumed).
int si_fiemap_walk(int fd, int sync, uint32_t capacity, si_fiemap_batch_fn consume, void *context);

/// lseek(SEEK_DATA): the first byte at or after `offset` that holds data, in `*next`. Returns 0, or -1
/// with errno set (ENXIO: no data after `offset`; EINVAL where the file system cannot tell).
int si_seek_data(int fd, uint64_t offset, uint64_t *next);

/// FIBMAP: logical block -> physical block (0 = hole). Returns 0 or -1 with errno set.
int si_fibmap(int fd, uint64_t logical, uint64_t *physical);

/// FIGETBSZ: the file system block size the kernel uses for this inode (i_blkbits).
int si_figetbsz(int fd, uint32_t *blockSize);

/// BLKGETSIZE64: a block device's size in bytes.
int si_blkgetsize64(int fd, uint64_t *size);

/// fstatfs(2): the file system magic (f_type) and its block size.
int si_fstatfs(int fd, uint64_t *magic, uint64_t *blockSize);

/// FS_IOC_GETFLAGS: inode flags (chattr).
int si_getflags(int fd, uint32_t *flags);

/// FS_IOC_GETFLAGS bits btrfs maps its inode flags to (linux/fs.h).
extern const uint32_t si_fs_nocow_fl;
extern const uint32_t si_fs_compr_fl;
/// FS_IOC_GETFLAGS bits that stop an open for writing (chattr +i, chattr +a).
extern const uint32_t si_fs_immutable_fl;
extern const uint32_t si_fs_append_fl;

// btrfs (linux/btrfs.h). Item bodies are handed over as raw on-disk bytes (little-endian
// btrfs_tree.h layouts, decoded in SwapInspectCore); the ioctl structs stay in shim.c.

/// A key range of one tree for BTRFS_IOC_TREE_SEARCH_V2: every item whose (objectid, type, offset)
/// key lies in [min, max]. tree_id 0 = the subvolume of the descriptor.
typedef struct {
    uint64_t tree_id;
    uint64_t min_objectid;
    uint64_t max_objectid;
    uint32_t min_type;
    uint32_t max_type;
    uint64_t min_offset;
    uint64_t max_offset;
} si_btrfs_search_range;

/// One item found: its key, and where its body sits in the caller's data buffer.
typedef struct {
    uint64_t objectid;
    uint64_t offset;
    uint32_t type;
    uint32_t length;
    uint64_t data_offset;
} si_btrfs_item;

/// One BTRFS_IOC_TREE_SEARCH_V2 call: up to `capacity` items from the start of `range`, bodies copied
/// into `data`. Needs CAP_SYS_ADMIN (EPERM otherwise). Returns 0 and the count in `*count` (0 = the
/// range is exhausted), 1 when the items returned are certainly the last of the range (`data` had room
/// for more), or -1 with errno set (EOVERFLOW: one item is larger than `data_capacity`).
int si_btrfs_tree_search(int fd, const si_btrfs_search_range *range, si_btrfs_item *items, uint32_t capacity,
                         uint8_t *data, uint64_t data_capacity, uint32_t *count);

/// BTRFS_IOC_FS_INFO (unprivileged): device count, highest devid, sector size.
int si_btrfs_fs_info(int fd, uint64_t *num_devices, uint64_t *max_id, uint32_t *sectorsize);

/// BTRFS_IOC_DEV_INFO (unprivileged): the path of device `devid` (ENODEV: no such devid).
int si_btrfs_dev_info(int fd, uint64_t devid, char *path, uint32_t path_capacity);

/// BTRFS_IOC_INO_LOOKUP with objectid BTRFS_FIRST_FREE_OBJECTID (unprivileged): the subvolume (tree
/// id) the descriptor lives in.
int si_btrfs_subvolume_id(int fd, uint64_t *tree_id);

/// BTRFS_IOC_SPACE_INFO (unprivileged): block group flags and total bytes of each space, up to `capacity`.
int si_btrfs_space_info(int fd, uint64_t *flags, uint64_t *total_bytes, uint32_t capacity, uint32_t *count);

/// BTRFS_IOC_LOGICAL_INO_V2 with BTRFS_LOGICAL_INO_ARGS_IGNORE_OFFSET (CAP_SYS_ADMIN): every
/// (inode, offset, root) that references the data extent at `logical`, as consecutive triples in
/// `values` (up to `capacity` u64 values; those that do not fit are dropped).
int si_btrfs_logical_ino(int fd, uint64_t logical, uint64_t *values, uint32_t capacity, uint32_t *count);

/// swapon(2) / swapoff(2). Their flag bits (linux/swap.h) are SwapFlags' in SwapInspectCore.
int si_swapon(const char *path, int flags);
int si_swapoff(const char *path);

/// The running kernel's page size.
long si_page_size(void);

/// The C name of an errno (`EINVAL`, strerrorname_np(3)), or NULL for a number without one.
const char *si_errno_name(int code);

/// CAP_SYS_ADMIN (linux/capability.h): its bit in the CapEff mask of /proc/PID/status.
extern const int si_cap_sys_admin;

/// BTRFS_DEVICE_PATH_NAME_MAX (linux/btrfs.h): the longest device path BTRFS_IOC_DEV_INFO returns.
extern const uint32_t si_btrfs_device_path_max;

// swapinspect create: the calls that write (CSwapInspectCreate.h).
#include "CSwapInspectCreate.h"

#endif
