#define _GNU_SOURCE
#include "CSwapInspectCreate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/statvfs.h>
#include <linux/fs.h>

int si_setflags(int fd, uint32_t flags) {
    int value = (int)flags;
    return ioctl(fd, FS_IOC_SETFLAGS, &value) < 0 ? -1 : 0;
}

int si_fallocate(int fd, uint64_t length) { return fallocate(fd, 0, 0, (off_t)length); }

int si_rename_noreplace(int dirfd, const char *oldname, const char *newname) {
    return renameat2(dirfd, oldname, dirfd, newname, RENAME_NOREPLACE);
}

int si_fstatvfs_readonly(int fd, int *readonly) {
    struct statvfs info;
    if (fstatvfs(fd, &info) < 0) return -1;
    *readonly = (info.f_flag & ST_RDONLY) != 0;
    return 0;
}

const int si_signal_interrupt = SIGINT;
const int si_signal_terminate = SIGTERM;
const int si_signal_hangup = SIGHUP;

static volatile sig_atomic_t cleanup_armed = 0;
static int cleanup_dirfd = -1;
static char cleanup_name[NAME_MAX + 1];

static void cleanup_handler(int signal) {
    if (cleanup_armed) unlinkat(cleanup_dirfd, cleanup_name, 0);
    _exit(128 + signal);
}

static void cleanup_mask(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

int si_cleanup_arm(int dirfd, const char *name) {
    if (strlen(name) > NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    sigset_t set, old;
    cleanup_mask(&set);
    sigprocmask(SIG_BLOCK, &set, &old);
    cleanup_dirfd = dirfd;
    strcpy(cleanup_name, name);
    cleanup_armed = 1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = cleanup_handler;
    // Every one of the three blocked while the handler runs: one removal, one exit.
    action.sa_mask = set;
    int status = 0;
    if (sigaction(SIGINT, &action, NULL) < 0 || sigaction(SIGTERM, &action, NULL) < 0 || sigaction(SIGHUP, &action, NULL) < 0)
        status = -1;
    // The caller's mask again: a caller that blocked the signals around its open keeps them blocked.
    sigprocmask(SIG_SETMASK, &old, NULL);
    return status;
}

void si_cleanup_block(int block) {
    sigset_t set;
    cleanup_mask(&set);
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

void si_cleanup_disarm(void) { cleanup_armed = 0; }
