/* The lower bound for `swapinspect inspect`: open the file and walk FS_IOC_FIEMAP to the last extent,
   in batches of the same size swapinspect uses (ExtentMapper.fiemapBatch), and print the count.
   Built by bench/run.sh with cc -O2. */
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BATCH 8192

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(argv[1]);
        return 2;
    }
    struct fiemap *map = calloc(1, sizeof(*map) + BATCH * sizeof(struct fiemap_extent));
    if (!map) return 2;
    unsigned long long start = 0, count = 0;
    for (;;) {
        map->fm_start = start;
        map->fm_length = FIEMAP_MAX_OFFSET - start;
        map->fm_flags = 0;
        map->fm_extent_count = BATCH;
        map->fm_mapped_extents = 0;
        if (ioctl(fd, FS_IOC_FIEMAP, map) < 0) {
            perror("FS_IOC_FIEMAP");
            return 2;
        }
        unsigned n = map->fm_mapped_extents;
        if (n == 0) break;
        count += n;
        struct fiemap_extent *last = &map->fm_extents[n - 1];
        if (last->fe_flags & FIEMAP_EXTENT_LAST) break;
        start = last->fe_logical + last->fe_length;
    }
    printf("%llu extents\n", count);
    return 0;
}
