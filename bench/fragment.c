/* Leaves GAPS one-block holes, and no other free block, in the file system mounted at DIR:
   the recipe of Tests/SwapInspectKernelTests/SwapFiles.swift (Fragmenter) with keep = gap = 1.
   1. DIR/spacer is preallocated (2 * GAPS blocks) and every other block written, which splits it into
      alternating written and unwritten one-block extents while the extent tree can still grow;
   2. DIR/filler takes every remaining free block (fallocate, halving on ENOSPC);
   3. the spacer's unwritten blocks are punched out (whole extents: no new tree blocks needed).
   A file preallocated afterwards can only land in the gaps: one extent per block.
   The caller releases ext4's reserved clusters / XFS's resblks first. Usage: fragment DIR GAPS BLOCK */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "fragment: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s DIR GAPS BLOCKSIZE\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    long long gaps = atoll(argv[2]);
    long long block = atoll(argv[3]);
    char path[4096];

    snprintf(path, sizeof path, "%s/spacer", dir);
    int spacer = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (spacer < 0) die(path);
    if (fallocate(spacer, 0, 0, 2 * gaps * block) != 0) die("fallocate spacer");
    char *kept = calloc(1, block);
    memset(kept, 0xA5, block);
    for (long long i = 0; i < gaps; i++)
        if (pwrite(spacer, kept, block, 2 * i * block) != block) die("pwrite spacer");
    if (fsync(spacer) != 0) die("fsync spacer");

    snprintf(path, sizeof path, "%s/filler", dir);
    int filler = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (filler < 0) die(path);
    long long length = 1LL << 30;
    while (length >= block) {
        struct stat st;
        if (fstat(filler, &st) != 0) die("fstat filler");
        if (fallocate(filler, 0, st.st_size, length) != 0) {
            if (errno != ENOSPC) die("fallocate filler");
            length /= 2;
        }
    }
    if (fsync(filler) != 0) die("fsync filler");

    for (long long i = 0; i < gaps; i++)
        if (fallocate(spacer, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (2 * i + 1) * block, block) != 0)
            die("punch spacer");
    if (fsync(spacer) != 0) die("fsync spacer");
    return 0;
}
