#define _GNU_SOURCE
#include "CSwapInspectImage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/loop.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>

/* The kernel mount of `image --allow-kernel-mount` (KernelMount.swift): a read-only, autoclear loop
   device over the image, mounted read-only, only ever inside swapinspect's private mount namespace. */

enum { attach_attempts = 16 };

/* LOOP_CONFIGURE (5.8+), else LOOP_SET_FD + LOOP_SET_STATUS64 (the flags then set by the second). */
static int configure(int loop_fd, int backing_fd, const struct loop_info64 *info) {
    struct loop_config config = {0};
    config.fd = (unsigned)backing_fd;
    config.info = *info;
    if (ioctl(loop_fd, LOOP_CONFIGURE, &config) == 0) return 0;
    if (errno != EINVAL && errno != ENOTTY) return -1;
    if (ioctl(loop_fd, LOOP_SET_FD, backing_fd) != 0) return -1;
    if (ioctl(loop_fd, LOOP_SET_STATUS64, info) == 0) return 0;
    int saved = errno;
    ioctl(loop_fd, LOOP_CLR_FD, 0);
    errno = saved;
    return -1;
}

int si_loop_attach_read_only(int backing_fd, unsigned long long offset, unsigned long long size_limit, char *path,
                             unsigned long path_size) {
    int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control < 0) return -1;
    struct loop_info64 info = {0};
    info.lo_offset = offset;
    info.lo_sizelimit = size_limit;
    /* Read-only: loop_handle_cmd fails every write with EIO, and the disk is set read-only. Autoclear:
       lo_release detaches the device when its last opener (our descriptor, then the mount) goes. */
    info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
    for (int attempt = 0; attempt < attach_attempts; attempt++) {
        int number = ioctl(control, LOOP_CTL_GET_FREE);
        if (number < 0) break;
        snprintf(path, path_size, "/dev/loop%d", number);
        int loop_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (loop_fd < 0) break;
        if (configure(loop_fd, backing_fd, &info) != 0) {
            int saved = errno;
            close(loop_fd);
            errno = saved;
            if (errno == EBUSY) continue; /* another process took it between GET_FREE and the claim */
            break;
        }
        struct loop_info64 status = {0};
        if (ioctl(loop_fd, LOOP_GET_STATUS64, &status) != 0 || !(status.lo_flags & LO_FLAGS_READ_ONLY) ||
            !(status.lo_flags & LO_FLAGS_AUTOCLEAR)) {
            ioctl(loop_fd, LOOP_CLR_FD, 0);
            close(loop_fd);
            errno = EPERM;
            break;
        }
        close(control);
        return loop_fd;
    }
    int saved = errno;
    close(control);
    errno = saved;
    return -1;
}

int si_mount_read_only(const char *source, const char *target, const char *type, const char *data) {
    return mount(source, target, type, MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOEXEC, data);
}

int si_unmount(const char *target) { return umount2(target, UMOUNT_NOFOLLOW); }

int si_open_in_root(int root_fd, const char *path) {
    struct open_how how = {0};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
}

int si_mount_propagation_private(void) { return mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL); }

int si_open_directory_path(const char *path) { return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC); }
