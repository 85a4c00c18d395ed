#define _GNU_SOURCE
#include "CSwapInspectLinux.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/swap.h>
#include <sys/vfs.h>
#include <linux/fs.h>
#include <linux/fiemap.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/capability.h>

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


/* A FIEMAP walk two batches deep: the helper thread (`walk_ahead`) fills one request while the caller
   consumes the other. Only the walk's fields are shared, under `lock`. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int fd;
    uint32_t capacity;
    struct fiemap *slot[2];
    bool full[2];
    bool finished;    /* the helper made its last call */
    int error;        /* errno of the helper's failed call, 0 if none */
    uint64_t start;   /* where the helper's first call begins */
} si_walk;

static struct fiemap *walk_request(uint32_t capacity) {
    return malloc(sizeof(struct fiemap) + (size_t)capacity * sizeof(struct fiemap_extent));
}

/* One FS_IOC_FIEMAP call into `fm` (retried on EINTR: a walk cannot restart once batches are consumed).
   Only the header is cleared; the kernel fills the extents it maps, and only those are read.
   Returns 0 or -1 with errno set. */
static int walk_call(int fd, struct fiemap *fm, uint32_t capacity, uint64_t start, bool sync) {
    int status;
    do {
        memset(fm, 0, sizeof(*fm));
        fm->fm_start = start;
        fm->fm_length = FIEMAP_MAX_OFFSET - start;
        fm->fm_flags = sync ? FIEMAP_FLAG_SYNC : 0;
        fm->fm_extent_count = capacity;
        status = ioctl(fd, FS_IOC_FIEMAP, fm);
    } while (status < 0 && errno == EINTR);
    if (status < 0) return -1;
    if (fm->fm_mapped_extents > capacity) fm->fm_mapped_extents = capacity;
    return 0;
}

/* The byte after the batch, or 0 when the batch ends the walk: empty, LAST, a zero-length tail (asking
   from its end would return it again), or a tail whose end does not move past `start` (u64 overflow, or
   a file system answering with extents before the range): never a loop, never an extent twice. */
static uint64_t walk_next(const struct fiemap *fm, uint64_t start) {
    uint32_t n = fm->fm_mapped_extents;
    if (n == 0) return 0;
    const struct fiemap_extent *tail = &fm->fm_extents[n - 1];
    if ((tail->fe_flags & FIEMAP_EXTENT_LAST) || tail->fe_length == 0) return 0;
    uint64_t next = tail->fe_logical + tail->fe_length;
    return next > start ? next : 0;
}

static void walk_consume(const struct fiemap *fm, si_extent *out, si_fiemap_batch_fn consume, void *context) {
    uint32_t n = fm->fm_mapped_extents;
    for (uint32_t i = 0; i < n; i++) {
        out[i].logical = fm->fm_extents[i].fe_logical;
        out[i].physical = fm->fm_extents[i].fe_physical;
        out[i].length = fm->fm_extents[i].fe_length;
        out[i].flags = fm->fm_extents[i].fe_flags;
    }
    if (n > 0) consume(context, out, n);
}

/* The helper: from `walk->start` into slot 1, then 0, 1, …, each once the caller has emptied it. */
static void *walk_ahead(void *argument) {
    si_walk *walk = argument;
    uint64_t start = walk->start;
    for (int index = 1;; index ^= 1) {
        pthread_mutex_lock(&walk->lock);
        while (walk->full[index]) pthread_cond_wait(&walk->changed, &walk->lock);
        pthread_mutex_unlock(&walk->lock);

        int failed = walk_call(walk->fd, walk->slot[index], walk->capacity, start, false);
        int saved = errno;
        pthread_mutex_lock(&walk->lock);
        if (failed) {
            walk->error = saved;
            walk->finished = true;
        } else {
            walk->full[index] = true;
            start = walk_next(walk->slot[index], start);
            if (start == 0) walk->finished = true;
        }
        bool finished = walk->finished;
        pthread_cond_broadcast(&walk->changed);
        pthread_mutex_unlock(&walk->lock);
        if (finished) break;
    }
    return NULL;
}

int si_fiemap_walk(int fd, int sync, uint32_t capacity, si_fiemap_batch_fn consume, void *context) {
    si_walk walk = {.fd = fd, .capacity = capacity};
    si_extent *out = malloc((size_t)capacity * sizeof(si_extent));
    walk.slot[0] = walk_request(capacity);
    walk.slot[1] = walk_request(capacity);
    int result = 0;
    int saved = 0;
    if (out == NULL || walk.slot[0] == NULL || walk.slot[1] == NULL) {
        saved = ENOMEM;
        result = -1;
        goto done;
    }
    /* The first call on this thread: most files end in it, and need no helper. */
    if (walk_call(fd, walk.slot[0], capacity, 0, sync != 0) < 0) {
        saved = errno;
        result = -1;
        goto done;
    }
    walk.start = walk_next(walk.slot[0], 0);
    if (walk.start == 0) {
        walk_consume(walk.slot[0], out, consume, context);
        goto done;
    }
    pthread_mutex_init(&walk.lock, NULL);
    pthread_cond_init(&walk.changed, NULL);
    /* Slot 0 holds the first batch; the helper begins with slot 1. */
    walk.full[0] = true;
    pthread_t helper;
    bool threaded = pthread_create(&helper, NULL, walk_ahead, &walk) == 0;
    if (!threaded) {
        /* No thread: the same walk, one call after another. */
        uint64_t start = walk.start;
        walk_consume(walk.slot[0], out, consume, context);
        while (start != 0) {
            if (walk_call(fd, walk.slot[0], capacity, start, false) < 0) {
                saved = errno;
                result = -1;
                break;
            }
            start = walk_next(walk.slot[0], start);
            walk_consume(walk.slot[0], out, consume, context);
        }
    } else {
        for (int index = 0;; index ^= 1) {
            pthread_mutex_lock(&walk.lock);
            while (!walk.full[index] && !walk.finished) pthread_cond_wait(&walk.changed, &walk.lock);
            bool ready = walk.full[index];
            pthread_mutex_unlock(&walk.lock);
            if (!ready) break;
            walk_consume(walk.slot[index], out, consume, context);
            pthread_mutex_lock(&walk.lock);
            walk.full[index] = false;
            pthread_cond_broadcast(&walk.changed);
            pthread_mutex_unlock(&walk.lock);
        }
        pthread_join(helper, NULL);
        if (walk.error != 0) {
            saved = walk.error;
            result = -1;
        }
    }
    pthread_cond_destroy(&walk.changed);
    pthread_mutex_destroy(&walk.lock);
done:
    free(walk.slot[0]);
    free(walk.slot[1]);
    free(out);
    if (result < 0) errno = saved;
    return result;
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

int si_seek_data(int fd, uint64_t offset, uint64_t *next) {
    if (offset > (uint64_t)INT64_MAX) {
        errno = ENXIO;
        return -1;
    }
    off_t found = lseek(fd, (off_t)offset, SEEK_DATA);
    if (found < 0) return -1;
    *next = (uint64_t)found;
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

const uint32_t si_fs_nocow_fl = FS_NOCOW_FL;
const uint32_t si_fs_immutable_fl = FS_IMMUTABLE_FL;
const uint32_t si_fs_append_fl = FS_APPEND_FL;
const uint32_t si_fs_compr_fl = FS_COMPR_FL;

/* The btrfs ioctls below hand the kernel a heap-allocated argument. Both helpers leave errno as the
   failing call set it, so that callers can return -1 and the errno reaches Swift unchanged. */
static void *allocate_argument(size_t size) {
    void *argument = malloc(size);
    if (argument == NULL) errno = ENOMEM;
    return argument;
}

/* ioctl(2) on an argument in (or pointing into) `owned`: on failure `owned` is freed. */
static int ioctl_or_free(int fd, unsigned long request, void *argument, void *owned) {
    int result = ioctl(fd, request, argument);
    if (result < 0) {
        int saved = errno;
        free(owned);
        errno = saved;
    }
    return result;
}

int si_btrfs_tree_search(int fd, const si_btrfs_search_range *range, si_btrfs_item *items, uint32_t capacity,
                         uint8_t *data, uint64_t data_capacity, uint32_t *count) {
    /* Only the header is cleared: the kernel fills the items it finds, and only those are read (clearing
       the whole buffer on every call was most of the user time for a fragmented file). */
    struct btrfs_ioctl_search_args_v2 *args = allocate_argument(sizeof(*args) + data_capacity);
    if (args == NULL) return -1;
    memset(args, 0, sizeof(*args));
    args->key.tree_id = range->tree_id;
    args->key.min_objectid = range->min_objectid;
    args->key.max_objectid = range->max_objectid;
    args->key.min_type = range->min_type;
    args->key.max_type = range->max_type;
    args->key.min_offset = range->min_offset;
    args->key.max_offset = range->max_offset;
    args->key.min_transid = 0;
    args->key.max_transid = (uint64_t)-1;
    args->key.nr_items = capacity;
    args->buf_size = data_capacity;
    if (ioctl_or_free(fd, BTRFS_IOC_TREE_SEARCH_V2, args, args) < 0) return -1;
    uint32_t found = args->key.nr_items;
    uint64_t position = 0;
    uint32_t n = 0;
    for (; n < found && n < capacity; n++) {
        struct btrfs_ioctl_search_header header;
        if (position + sizeof(header) > data_capacity) break;
        memcpy(&header, (uint8_t *)args->buf + position, sizeof(header));
        position += sizeof(header);
        if (position + header.len > data_capacity) break;
        items[n].objectid = header.objectid;
        items[n].offset = header.offset;
        items[n].type = header.type;
        items[n].length = header.len;
        items[n].data_offset = position;
        position += header.len;
    }
    memcpy(data, args->buf, position);
    *count = n;
    free(args);
    /* The kernel stops early only when `capacity` items were found or the next one would not fit. With
       fewer items and room left for the largest possible one (an item is smaller than a node, and nodes
       are at most 64 KiB), the range is exhausted: say so, and spare the caller a call that finds nothing. */
    const uint64_t largest_item = 65536;
    const uint64_t kernel_capacity = 16 << 20; /* btrfs_ioctl_tree_search_v2 uses at most 16 MiB of the buffer */
    uint64_t used_capacity = data_capacity < kernel_capacity ? data_capacity : kernel_capacity;
    if (n == found && n < capacity && used_capacity - position >= sizeof(struct btrfs_ioctl_search_header) + largest_item)
        return 1;
    return 0;
}

int si_btrfs_fs_info(int fd, uint64_t *num_devices, uint64_t *max_id, uint32_t *sectorsize) {
    struct btrfs_ioctl_fs_info_args args;
    memset(&args, 0, sizeof(args));
    if (ioctl(fd, BTRFS_IOC_FS_INFO, &args) < 0) return -1;
    *num_devices = args.num_devices;
    *max_id = args.max_id;
    *sectorsize = args.sectorsize;
    return 0;
}

int si_btrfs_dev_info(int fd, uint64_t devid, char *path, uint32_t path_capacity) {
    struct btrfs_ioctl_dev_info_args *args = allocate_argument(sizeof(*args));
    if (args == NULL) return -1;
    memset(args, 0, sizeof(*args));
    args->devid = devid;
    if (ioctl_or_free(fd, BTRFS_IOC_DEV_INFO, args, args) < 0) return -1;
    if (path_capacity > 0) {
        size_t length = strnlen((const char *)args->path, sizeof(args->path));
        if (length >= path_capacity) length = path_capacity - 1;
        memcpy(path, args->path, length);
        path[length] = 0;
    }
    free(args);
    return 0;
}

int si_btrfs_subvolume_id(int fd, uint64_t *tree_id) {
    struct btrfs_ioctl_ino_lookup_args args;
    memset(&args, 0, sizeof(args));
    args.treeid = 0;
    args.objectid = BTRFS_FIRST_FREE_OBJECTID;
    if (ioctl(fd, BTRFS_IOC_INO_LOOKUP, &args) < 0) return -1;
    *tree_id = args.treeid;
    return 0;
}

int si_btrfs_space_info(int fd, uint64_t *flags, uint64_t *total_bytes, uint32_t capacity, uint32_t *count) {
    struct btrfs_ioctl_space_args probe;
    memset(&probe, 0, sizeof(probe));
    if (ioctl(fd, BTRFS_IOC_SPACE_INFO, &probe) < 0) return -1;
    uint64_t slots = probe.total_spaces;
    if (slots > capacity) slots = capacity;
    size_t size = sizeof(struct btrfs_ioctl_space_args) + slots * sizeof(struct btrfs_ioctl_space_info);
    struct btrfs_ioctl_space_args *args = allocate_argument(size);
    if (args == NULL) return -1;
    memset(args, 0, size);
    args->space_slots = slots;
    if (ioctl_or_free(fd, BTRFS_IOC_SPACE_INFO, args, args) < 0) return -1;
    uint64_t n = args->total_spaces < slots ? args->total_spaces : slots;
    for (uint64_t i = 0; i < n; i++) {
        flags[i] = args->spaces[i].flags;
        total_bytes[i] = args->spaces[i].total_bytes;
    }
    *count = (uint32_t)n;
    free(args);
    return 0;
}

int si_btrfs_logical_ino(int fd, uint64_t logical, uint64_t *values, uint32_t capacity, uint32_t *count) {
    size_t size = sizeof(struct btrfs_data_container) + (size_t)capacity * sizeof(uint64_t);
    /* The kernel copies its whole (zeroed) container out: nothing to clear here. */
    struct btrfs_data_container *container = allocate_argument(size);
    if (container == NULL) return -1;
    memset(container, 0, sizeof(*container));
    struct btrfs_ioctl_logical_ino_args args;
    memset(&args, 0, sizeof(args));
    args.logical = logical;
    args.size = size;
    args.flags = BTRFS_LOGICAL_INO_ARGS_IGNORE_OFFSET;
    args.inodes = (uint64_t)(uintptr_t)container;
    if (ioctl_or_free(fd, BTRFS_IOC_LOGICAL_INO_V2, &args, container) < 0) return -1;
    uint32_t n = container->elem_cnt < capacity ? container->elem_cnt : capacity;
    for (uint32_t i = 0; i < n; i++) values[i] = container->val[i];
    *count = n;
    free(container);
    return 0;
}

int si_swapon(const char *path, int flags) { return swapon(path, flags); }
int si_swapoff(const char *path) { return swapoff(path); }

long si_page_size(void) { return sysconf(_SC_PAGESIZE); }

const char *si_errno_name(int code) { return code > 0 ? strerrorname_np(code) : NULL; }

const int si_cap_sys_admin = CAP_SYS_ADMIN;

const uint32_t si_btrfs_device_path_max = BTRFS_DEVICE_PATH_NAME_MAX;
