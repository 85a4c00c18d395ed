/* The shim's two-deep FIEMAP walk against a scripted FS_IOC_FIEMAP: shim.c is compiled into this program
   with ioctl and pthread_create replaced, so every path of the walk can be driven deterministically:
   no extents, one batch (no thread), many batches with a slow or fast consumer, EINTR, an error in the
   middle of the walk, a zero-length tail, and no thread at all. Built and run by ShimHarnessTests.swift.
   Prints "ok" and exits 0, or names the failed check and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

int scripted_ioctl(int fd, unsigned long request, ...);
int scripted_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *argument);
#define ioctl scripted_ioctl
#define pthread_create scripted_pthread_create
#include "shim.c"
#undef ioctl
#undef pthread_create

/* The file the scripted FIEMAP describes: `count` extents of 4 KiB, each 8 KiB apart logically. */
static struct {
    uint32_t count;
    int fail_call;            /* 1-based call that fails with `fail_errno`, 0 = none */
    int fail_errno;
    int eintr_call;           /* 1-based call that is interrupted once */
    int zero_length_tail;     /* the last extent has length 0 and no LAST flag */
    int rewind;               /* every call answers from the start of the file (extents before the range) */
    int overreport;           /* fm_mapped_extents claims more extents than were asked for */
    int refuse_threads;       /* pthread_create fails */
    int calls;
    int threads;
    int sync_calls;
} script;

int scripted_ioctl(int fd, unsigned long request, ...) {
    (void)fd;
    va_list arguments;
    va_start(arguments, request);
    struct fiemap *fm = va_arg(arguments, struct fiemap *);
    va_end(arguments);
    if (request != FS_IOC_FIEMAP) {
        errno = ENOTTY;
        return -1;
    }
    int call = __atomic_add_fetch(&script.calls, 1, __ATOMIC_SEQ_CST);
    if (call == script.eintr_call) {
        script.eintr_call = -1;
        __atomic_sub_fetch(&script.calls, 1, __ATOMIC_SEQ_CST);
        errno = EINTR;
        return -1;
    }
    if (call == script.fail_call) {
        errno = script.fail_errno;
        return -1;
    }
    if (fm->fm_flags & FIEMAP_FLAG_SYNC) script.sync_calls++;
    /* Like the kernel: the extents that end after fm_start, up to fm_extent_count. */
    uint32_t n = 0;
    for (uint32_t i = 0; i < script.count && n < fm->fm_extent_count; i++) {
        uint64_t logical = (uint64_t)i * 8192;
        uint64_t length = 4096;
        int last = i == script.count - 1;
        if (last && script.zero_length_tail) length = 0;
        /* A zero-length extent counts as reaching its own start: asked from there, it comes back again. */
        int reaches = logical + length > fm->fm_start || (length == 0 && logical >= fm->fm_start) || script.rewind;
        if (!reaches) continue;
        struct fiemap_extent *extent = &fm->fm_extents[n++];
        extent->fe_logical = logical;
        extent->fe_physical = (uint64_t)(i + 1) * 1048576;
        extent->fe_length = length;
        extent->fe_flags = (last && !script.zero_length_tail) ? FIEMAP_EXTENT_LAST : 0;
    }
    fm->fm_mapped_extents = script.overreport && n == fm->fm_extent_count ? n + 100 : n;
    return 0;
}

int scripted_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *argument) {
    if (script.refuse_threads) return EAGAIN;
    script.threads++;
    return pthread_create(thread, attr, start, argument);
}

/* What the callback saw. */
static struct {
    uint64_t *logical;
    uint32_t count;
    uint32_t capacity;
    int slow;                 /* sleep in every other batch, so the helper waits for a free slot */
    int batches;
} seen;

static void collect(void *context, const si_extent *batch, uint32_t count) {
    if (context != &seen) {
        fprintf(stderr, "wrong context\n");
        exit(1);
    }
    if (seen.slow && seen.batches % 2 == 0) usleep(2000);
    seen.batches++;
    for (uint32_t i = 0; i < count; i++) {
        if (seen.count == seen.capacity) {
            fprintf(stderr, "more extents than the file has\n");
            exit(1);
        }
        if (batch[i].physical != (batch[i].logical / 8192 + 1) * 1048576) {
            fprintf(stderr, "extent at %llu has the wrong physical address\n", (unsigned long long)batch[i].logical);
            exit(1);
        }
        seen.logical[seen.count++] = batch[i].logical;
    }
}

static int failures;

static void check(int condition, const char *name, const char *what) {
    if (!condition) {
        fprintf(stderr, "%s: %s\n", name, what);
        failures++;
    }
}

/* Runs one walk over `count` extents with batches of `capacity`, after `setup` has adjusted the script. */
static int walk(const char *name, uint32_t count, uint32_t capacity, int sync, int slow, void (*setup)(void)) {
    memset(&script, 0, sizeof(script));
    script.count = count;
    if (setup) setup();
    free(seen.logical);
    memset(&seen, 0, sizeof(seen));
    seen.capacity = count + 1;
    seen.logical = calloc(seen.capacity, sizeof(uint64_t));
    seen.slow = slow;
    errno = 0;
    (void)name;
    return si_fiemap_walk(3, sync, capacity, collect, &seen);
}

/* Every extent exactly once, in file order. */
static void check_all(const char *name, uint32_t count) {
    check(seen.count == count, name, "not every extent arrived once");
    for (uint32_t i = 0; i < seen.count; i++) {
        if (seen.logical[i] != (uint64_t)i * 8192) {
            check(0, name, "extents out of order");
            break;
        }
    }
}

static void fail_fourth_call(void) {
    script.fail_call = 4;
    script.fail_errno = EIO;
}
static void fail_first_call(void) {
    script.fail_call = 1;
    script.fail_errno = EOPNOTSUPP;
}
static void interrupt_third_call(void) { script.eintr_call = 3; }
static void refuse_threads(void) { script.refuse_threads = 1; }
static void zero_length_tail(void) { script.zero_length_tail = 1; }
static void rewind_every_call(void) { script.rewind = 1; }
static void overreport(void) { script.overreport = 1; }

int main(void) {
    int result;
    /* A deadlock or an endless walk fails the run instead of hanging it. */
    alarm(60);

    result = walk("empty", 0, 4, 0, 0, NULL);
    check(result == 0 && seen.count == 0 && seen.batches == 0, "empty", "an empty file yields nothing");

    result = walk("one batch", 3, 4, 1, 0, NULL);
    check(result == 0, "one batch", "failed");
    check_all("one batch", 3);
    check(script.threads == 0, "one batch", "started a thread for a file that fits one call");
    check(script.sync_calls == 1, "one batch", "FIEMAP_FLAG_SYNC not on the first call");

    for (int slow = 0; slow <= 1; slow++) {
        const char *name = slow ? "many batches, slow consumer" : "many batches, fast consumer";
        result = walk(name, 30, 4, 1, slow, NULL);
        check(result == 0, name, "failed");
        check_all(name, 30);
        check(script.threads == 1, name, "no helper thread");
        check(script.calls == 8, name, "not one call per batch");
        check(script.sync_calls == 1, name, "FIEMAP_FLAG_SYNC on more than the first call");
    }

    result = walk("exact batches", 16, 4, 0, 0, NULL);
    check(result == 0, "exact batches", "failed");
    check_all("exact batches", 16);

    result = walk("EINTR", 30, 4, 0, 1, interrupt_third_call);
    check(result == 0, "EINTR", "an interrupted call was not retried");
    check_all("EINTR", 30);

    result = walk("error mid-walk", 30, 4, 0, 1, fail_fourth_call);
    check(result == -1 && errno == EIO, "error mid-walk", "the helper's error was not returned with its errno");
    check(seen.count == 12, "error mid-walk", "the batches before the error were not all consumed");

    result = walk("error first", 30, 4, 0, 0, fail_first_call);
    check(result == -1 && errno == EOPNOTSUPP && seen.count == 0, "error first", "the first call's error was not returned");

    result = walk("no thread", 30, 4, 0, 0, refuse_threads);
    check(result == 0, "no thread", "failed");
    check_all("no thread", 30);

    result = walk("zero-length tail", 9, 4, 0, 0, zero_length_tail);
    check(result == 0, "zero-length tail", "failed");
    check_all("zero-length tail", 9);

    /* A file system answering every call from the start of the file: the tail never moves past where the
       call began, so the walk stops after the second call instead of looping. */
    result = walk("rewinding answers", 30, 4, 0, 0, rewind_every_call);
    check(result == 0 && script.calls == 2, "rewinding answers", "the walk did not stop when the tail did not advance");

    /* fm_mapped_extents larger than fm_extent_count: only the extents asked for are read. */
    result = walk("over-reported count", 30, 4, 0, 0, overreport);
    check(result == 0, "over-reported count", "failed");
    check_all("over-reported count", 30);

    /* Many short walks: a race between the helper's last call and the caller's wait would hang or drop. */
    for (int round = 0; round < 2000; round++) {
        result = walk("repeated", 13, 2, 0, 0, NULL);
        if (result != 0 || seen.count != 13) {
            check(0, "repeated", "a walk lost extents or failed");
            break;
        }
    }

    free(seen.logical);
    if (failures) return 1;
    printf("ok\n");
    return 0;
}
