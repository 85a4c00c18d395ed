#include "CSwapInspectLinux.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/swap.h>
#include <sys/vfs.h>
#include <linux/fs.h>
#include <linux/fiemap.h>

const uint32_t si_fiemap_extent_last = FIEMAP_EXTENT_LAST;
const uint32_t si_fiemap_extent_unknown = FIEMAP_EXTENT_UNKNOWN;
const uint32_t si_fiemap_extent_delalloc = FIEMAP_EXTENT_DELALLOC;
const uint32_t si_fiemap_extent_encoded = FIEMAP_EXTENT_ENCODED;
const uint32_t si_fiemap_extent_data_encrypted = FIEMAP_EXTENT_DATA_ENCRYPTED;
const uint32_t si_fiemap_extent_not_aligned = FIEMAP_EXTENT_NOT_ALIGNED;
const uint32_t si_fiemap_extent_data_inline = FIEMAP_EXTENT_DATA_INLINE;
const uint32_t si_fiemap_extent_data_tail = FIEMAP_EXTENT_DATA_TAIL;
const uint32_t si_fiemap_extent_unwritten = FIEMAP_EXTENT_UNWRITTEN;
const uint32_t si_fiemap_extent_merged = FIEMAP_EXTENT_MERGED;
const uint32_t si_fiemap_extent_shared = FIEMAP_EXTENT_SHARED;

#ifndef SWAP_FLAG_DISCARD_ONCE
#define SWAP_FLAG_DISCARD_ONCE 0x20000
#endif
#ifndef SWAP_FLAG_DISCARD_PAGES
#define SWAP_FLAG_DISCARD_PAGES 0x40000
#endif

const int si_swap_flag_prefer = SWAP_FLAG_PREFER;
const int si_swap_flag_prio_mask = SWAP_FLAG_PRIO_MASK;
const int si_swap_flag_discard = SWAP_FLAG_DISCARD;
const int si_swap_flag_discard_once = SWAP_FLAG_DISCARD_ONCE;
const int si_swap_flag_discard_pages = SWAP_FLAG_DISCARD_PAGES;

int si_fiemap(int fd, uint64_t start, int sync, si_extent *out, uint32_t capacity, uint32_t *mapped) {
    size_t size = sizeof(struct fiemap) + (size_t)capacity * sizeof(struct fiemap_extent);
    struct fiemap *fm = calloc(1, size);
    if (fm == NULL) {
        errno = ENOMEM;
        return -1;
    }
    fm->fm_start = start;
    fm->fm_length = FIEMAP_MAX_OFFSET - start;
    fm->fm_flags = sync ? FIEMAP_FLAG_SYNC : 0;
    fm->fm_extent_count = capacity;
    if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
        int saved = errno;
        free(fm);
        errno = saved;
        return -1;
    }
    uint32_t n = fm->fm_mapped_extents;
    if (n > capacity) n = capacity;
    for (uint32_t i = 0; i < n; i++) {
        out[i].logical = fm->fm_extents[i].fe_logical;
        out[i].physical = fm->fm_extents[i].fe_physical;
        out[i].length = fm->fm_extents[i].fe_length;
        out[i].flags = fm->fm_extents[i].fe_flags;
    }
    *mapped = n;
    free(fm);
    return 0;
}

int si_fibmap(int fd, uint64_t logical, uint64_t *physical) {
    // FIBMAP takes and returns an int block number.
    int block = (int)logical;
    if ((uint64_t)block != logical) {
        errno = EFBIG;
        return -1;
    }
    if (ioctl(fd, FIBMAP, &block) < 0) return -1;
    *physical = (uint64_t)(unsigned int)block;
    return 0;
}

int si_figetbsz(int fd, uint32_t *blockSize) {
    int size = 0;
    if (ioctl(fd, FIGETBSZ, &size) < 0) return -1;
    *blockSize = (uint32_t)size;
    return 0;
}

int si_blkgetsize64(int fd, uint64_t *size) {
    return ioctl(fd, BLKGETSIZE64, size);
}

int si_fstatfs(int fd, uint64_t *magic, uint64_t *blockSize) {
    struct statfs st;
    if (fstatfs(fd, &st) < 0) return -1;
    *magic = (uint64_t)(unsigned long)st.f_type;
    *blockSize = (uint64_t)st.f_bsize;
    return 0;
}

int si_getflags(int fd, uint32_t *flags) {
    int value = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &value) < 0) return -1;
    *flags = (uint32_t)value;
    return 0;
}

int si_swapon(const char *path, int flags) { return swapon(path, flags); }
int si_swapoff(const char *path) { return swapoff(path); }

long si_page_size(void) { return sysconf(_SC_PAGESIZE); }
