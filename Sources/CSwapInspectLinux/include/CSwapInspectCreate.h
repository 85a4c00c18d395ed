#ifndef SWAPINSPECT_CREATE_SHIM_H
#define SWAPINSPECT_CREATE_SHIM_H

// What `swapinspect create` needs beyond the read-only shim: setting inode flags, an allocation, a
// rename that never replaces, and the signal handlers that remove the temporary file.

#include <stdint.h>
#include <sys/types.h>

/// FS_IOC_SETFLAGS: inode flags (chattr). Returns 0 or -1 with errno set.
int si_setflags(int fd, uint32_t flags);

/// fallocate(2) with mode 0 (allocate, extend the size) over [0, length). 0 or -1 with errno set
/// (EOPNOTSUPP where the file system cannot preallocate).
int si_fallocate(int fd, uint64_t length);

/// renameat2(2) with RENAME_NOREPLACE: EEXIST when `newname` exists. 0 or -1 with errno set.
int si_rename_noreplace(int dirfd, const char *oldname, const char *newname);

/// fstatvfs(3): whether the mount is read-only (ST_RDONLY). 0 or -1 with errno set.
int si_fstatvfs_readonly(int fd, int *readonly);

/// Arms SIGINT, SIGTERM and SIGHUP: on any of them the file `name` of directory `dirfd` is unlinked
/// and the process exits with 128 + the signal number (async-signal-safe: unlinkat and _exit only).
/// `name` is copied. Returns 0, or -1 when it does not fit (ENAMETOOLONG) or sigaction fails.
int si_cleanup_arm(int dirfd, const char *name);

/// Blocks (1) or unblocks (0) the three signals: around the rename that hands the file over, so that a
/// signal cannot remove it after it got its final name.
void si_cleanup_block(int block);

/// Forgets the file: a signal from now on exits with 128 + N and removes nothing.
void si_cleanup_disarm(void);

/// The C values of the three signals, in the order SIGINT, SIGTERM, SIGHUP.
extern const int si_signal_interrupt;
extern const int si_signal_terminate;
extern const int si_signal_hangup;

#endif
