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

/// FS_IOC_FIEMAP for up to `capacity` extents starting at file byte `start`.
/// `sync` sets FIEMAP_FLAG_SYNC. Returns 0 and the count in `*mapped`, or -1 with errno set.
int si_fiemap(int fd, uint64_t start, int sync, si_extent *out, uint32_t capacity, uint32_t *mapped);

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

/// swapon(2) / swapoff(2) and their flag bits (linux/swap.h).
int si_swapon(const char *path, int flags);
int si_swapoff(const char *path);
extern const int si_swap_flag_prefer;
extern const int si_swap_flag_prio_mask;
extern const int si_swap_flag_discard;
extern const int si_swap_flag_discard_once;
extern const int si_swap_flag_discard_pages;

/// The running kernel's page size.
long si_page_size(void);

#endif
