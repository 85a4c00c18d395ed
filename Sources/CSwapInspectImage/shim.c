#define _GNU_SOURCE
#include "CSwapInspectImage.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

pid_t si_spawn_limited(const char *path, char *const argv[], int stdout_fd, int stderr_fd,
                       unsigned long long memory_limit, unsigned long cpu_seconds) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    /* Child: only async-signal-safe calls until execv. */
    setpgid(0, 0); /* a terminal's ^C reaches swapinspect, which cleans up in order */
    /* A blocked or ignored SIGTERM survives exec: the child must die of it (a test runner or a shell
       may have blocked it in swapinspect). */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int defaults[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE};
    for (unsigned index = 0; index < sizeof defaults / sizeof defaults[0]; index++) signal(defaults[index], SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    dup2(null, 0);
    dup2(stdout_fd >= 0 ? stdout_fd : null, 1);
    dup2(stderr_fd >= 0 ? stderr_fd : null, 2);
    struct rlimit memory = {memory_limit, memory_limit};
    struct rlimit cpu = {cpu_seconds, cpu_seconds};
    if (memory_limit > 0) setrlimit(RLIMIT_AS, &memory);
    if (cpu_seconds > 0) setrlimit(RLIMIT_CPU, &cpu);
    setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
    execv(path, argv);
    _exit(127);
}

int si_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int si_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/* Milliseconds on the monotonic clock. */
static long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Waits up to `grace_ms` for the child to exit, without reaping it: 1 when it has, 0 when not, -1
   when the kernel has no pidfd (before Linux 5.3). poll wakes the moment it exits. */
static int wait_exit(pid_t pid, unsigned int grace_ms) {
    int fd = si_pidfd_open(pid);
    if (fd < 0) return -1;
    long long deadline = now_ms() + grace_ms;
    int exited = 0;
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd ready = {fd, POLLIN, 0};
        int got = poll(&ready, 1, left > 0 ? (int)left : 0);
        if (got > 0) { exited = 1; break; }
        if (got == 0 || errno != EINTR) break; /* the time is up, or poll failed */
    }
    close(fd);
    return exited;
}

int si_terminate(pid_t pid, unsigned int grace_ms) {
    int status = 0;
    kill(pid, SIGTERM);
    int exited = wait_exit(pid, grace_ms);
    if (exited < 0) {
        /* No pidfd: look every 5 ms. */
        struct timespec step = {0, 5 * 1000 * 1000};
        for (unsigned int waited = 0; waited < grace_ms; waited += 5) {
            pid_t done = waitpid(pid, &status, WNOHANG);
            if (done == pid || (done < 0 && errno == ECHILD)) return status;
            nanosleep(&step, NULL);
        }
    }
    if (exited <= 0) kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return status;
}

enum { slots = 8, path_max = PATH_MAX, files_max = 4 };

struct guard {
    atomic_int used;
    atomic_int armed;
    atomic_int timed_out;
    pid_t pid;
    unsigned int seconds;
    char mountpoint[path_max];
    char files[files_max][path_max];
    char directory[path_max];
};

static struct guard guards[slots];
static atomic_int installed;

static void copy(char *target, const char *source) {
    target[0] = 0;
    if (source && strlen(source) < path_max) strcpy(target, source);
}

static void detach(const char *mountpoint) {
    if (!mountpoint[0]) return;
    if (umount2(mountpoint, MNT_DETACH) == 0 || errno == EINVAL || errno == ENOENT) return;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(null, 2);
        execl("/bin/fusermount3", "fusermount3", "-u", "-z", "-q", mountpoint, (char *)NULL);
        execl("/usr/bin/fusermount3", "fusermount3", "-u", "-z", "-q", mountpoint, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
}

static void clean(struct guard *guard) {
    if (guard->pid > 0) si_terminate(guard->pid, 2000);
    detach(guard->mountpoint);
    for (int index = 0; index < files_max; index++)
        if (guard->files[index][0]) unlink(guard->files[index]);
    if (guard->directory[0]) rmdir(guard->directory);
}

static void on_signal(int signal_number) {
    for (int index = 0; index < slots; index++)
        if (atomic_exchange(&guards[index].armed, 0)) clean(&guards[index]);
    struct sigaction original = {0};
    original.sa_handler = SIG_DFL;
    sigaction(signal_number, &original, NULL);
    raise(signal_number);
}

static void install(void) {
    if (atomic_exchange(&installed, 1)) return;
    int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    sigset_t handled;
    sigemptyset(&handled);
    for (unsigned index = 0; index < sizeof signals / sizeof signals[0]; index++) {
        struct sigaction action = {0};
        action.sa_handler = on_signal;
        sigfillset(&action.sa_mask);
        sigaction(signals[index], &action, NULL);
        sigaddset(&handled, signals[index]);
    }
    /* Inherited blocked (a launcher's mask): they must reach the handler while a child runs. */
    pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
}

static void handled_signals(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGQUIT);
}

void si_guard_hold(void) {
    install();
    sigset_t set;
    handled_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void si_guard_release(void) {
    sigset_t set;
    handled_signals(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int si_guard_register(pid_t pid, const char *mountpoint, const char *const files[], const char *directory) {
    install();
    for (int index = 0; index < slots; index++) {
        int expected = 0;
        if (!atomic_compare_exchange_strong(&guards[index].used, &expected, 1)) continue;
        struct guard *guard = &guards[index];
        guard->pid = pid;
        copy(guard->mountpoint, mountpoint);
        int listed = 1;
        for (int file = 0; file < files_max; file++) {
            listed = listed && files && files[file];
            copy(guard->files[file], listed ? files[file] : NULL);
        }
        copy(guard->directory, directory);
        atomic_store(&guard->timed_out, 0);
        atomic_store(&guard->armed, 1);
        return index;
    }
    return -1;
}

void si_guard_unregister(int slot) {
    if (slot < 0 || slot >= slots) return;
    atomic_store(&guards[slot].armed, 0);
    atomic_store(&guards[slot].used, 0);
}

static void *watchdog(void *argument) {
    struct guard *guard = argument;
    pid_t pid = guard->pid;
    struct timespec step = {0, 50 * 1000 * 1000};
    for (unsigned long waited = 0; waited < guard->seconds * 1000UL; waited += 50) {
        if (!atomic_load(&guard->armed) || guard->pid != pid) return NULL;
        nanosleep(&step, NULL);
    }
    if (atomic_load(&guard->armed) && guard->pid == pid) {
        atomic_store(&guard->timed_out, 1);
        kill(pid, SIGKILL); /* reads of the export then fail (ENOTCONN) instead of hanging */
    }
    return NULL;
}

int si_guard_watch(int slot, unsigned int seconds) {
    if (slot < 0 || slot >= slots) return -1;
    guards[slot].seconds = seconds;
    pthread_t thread;
    if (pthread_create(&thread, NULL, watchdog, &guards[slot]) != 0) return -1;
    pthread_detach(thread);
    return 0;
}

int si_guard_timed_out(int slot) {
    return slot >= 0 && slot < slots ? atomic_load(&guards[slot].timed_out) : 0;
}
