#ifndef SWAPINSPECT_IMAGE_CHILD_H
#define SWAPINSPECT_IMAGE_CHILD_H
#include <sys/types.h>

/* Child processes of the offline adapter (qemu-storage-daemon, xfs_db, btrfs): spawned with a memory
   limit, in their own process group, killed with swapinspect (PR_SET_PDEATHSIG), and cleaned up by a
   signal handler when swapinspect is interrupted. */

/* fork + exec `path` with `argv` (NULL-terminated): stdin and stdout from/to /dev/null unless
   `stdout_fd` >= 0, stderr to `stderr_fd` (or /dev/null when < 0), RLIMIT_AS of `memory_limit` bytes
   and RLIMIT_CPU of `cpu_seconds`. Returns the pid, or -1 with errno set. */
pid_t si_spawn_limited(const char *path, char *const argv[], int stdout_fd, int stderr_fd,
                       unsigned long long memory_limit, unsigned long cpu_seconds);

/* Registers a running child for the SIGINT/SIGTERM/SIGHUP handler (installed on first use): on such a
   signal the handler terminates the child (SIGTERM, then SIGKILL after 2 s), reaps it, detaches
   `mountpoint` (umount2 MNT_DETACH, else fusermount3 -u -z), unlinks `files` (up to 4, NULL-ended),
   removes `directory`, and lets the signal take its default course. Any string may be NULL.
   Returns a slot, or -1 when all slots are taken. */
int si_guard_register(pid_t pid, const char *mountpoint, const char *const files[], const char *directory);
/* Holds SIGINT/SIGTERM/SIGHUP/SIGQUIT back (installing the handler first) while a child and its
   files are being set up and registered; si_guard_release lets a held one through to the handler. */
void si_guard_hold(void);
void si_guard_release(void);
/* The child was cleaned up normally: forget it. */
void si_guard_unregister(int slot);
/* Terminates the child of `slot` when `seconds` of wall-clock time pass (a watchdog thread); then
   si_guard_timed_out(slot) is 1. */
int si_guard_watch(int slot, unsigned int seconds);
int si_guard_timed_out(int slot);
/* pipe2(fds, O_CLOEXEC): <unistd.h> declares it only under _GNU_SOURCE. */
int si_pipe_cloexec(int fds[2]);
/* SIGTERM, wait up to `grace_ms` (woken by its exit: a pidfd), SIGKILL; reaps it. Returns its wait status. */
int si_terminate(pid_t pid, unsigned int grace_ms);
/* pidfd_open(2): a descriptor that polls readable once the process `pid` has exited; -1 (errno) before
   Linux 5.3. */
int si_pidfd_open(pid_t pid);

/* The kernel mount of `image --allow-kernel-mount` (kmount.c). Only ever called inside swapinspect's
   own private mount namespace (KernelMountNamespace). */
/* Attaches `backing_fd` (opened read-only) to a free loop device with LO_FLAGS_READ_ONLY |
   LO_FLAGS_AUTOCLEAR, `offset` and `size_limit` (0: to the end); checks that both flags took. Returns
   the device's descriptor (O_RDONLY) and writes its path into `path`, or -1 with errno set. */
int si_loop_attach_read_only(int backing_fd, unsigned long long offset, unsigned long long size_limit, char *path,
                             unsigned long path_size);
/* mount(2) with MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOEXEC and `data` as the file system's options. */
int si_mount_read_only(const char *source, const char *target, const char *type, const char *data);
/* umount2(target, UMOUNT_NOFOLLOW). */
int si_unmount(const char *target);
/* openat2(root_fd, path, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV): a path
   inside the mounted image whose symbolic links resolve inside it, never into the host's tree. */
int si_open_in_root(int root_fd, const char *path);
/* open(path, O_PATH | O_DIRECTORY | O_CLOEXEC): the root for si_open_in_root. */
int si_open_directory_path(const char *path);
/* mount(NULL, "/", NULL, MS_REC | MS_PRIVATE): nothing mounted in this namespace propagates out. */
int si_mount_propagation_private(void);
#endif
