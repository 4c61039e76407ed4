#define _GNU_SOURCE
#include "bindwatch_process.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int bw_spawn(const char *path, char *const argv[], char *const envp[], int stdin_fd, int32_t *pid_out) {
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t actions;
    int error = posix_spawnattr_init(&attributes);
    if (error != 0) return -error;
    error = posix_spawn_file_actions_init(&actions);
    if (error != 0) {
        posix_spawnattr_destroy(&attributes);
        return -error;
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if ((error = posix_spawnattr_setflags(&attributes, flags)) == 0 &&
        (error = posix_spawnattr_setpgroup(&attributes, 0)) == 0 &&
        (error = posix_spawnattr_setsigmask(&attributes, &none)) == 0 &&
        (error = posix_spawnattr_setsigdefault(&attributes, &all)) == 0 &&
        (error = posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO)) == 0) {
        pid_t pid;
        error = posix_spawn(&pid, path, &actions, &attributes, argv, envp);
        if (error == 0) *pid_out = pid;
    }
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return -error;
}

static int64_t monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int bw_wait_child(int32_t pid, int timeout_ms, int *status_out) {
    // A pidfd becomes readable when the child ends; without one (before Linux 5.3), poll
    // waitpid every 10 ms.
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    int64_t deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
    for (;;) {
        int status;
        pid_t reaped = waitpid((pid_t)pid, &status, WNOHANG);
        if (reaped == (pid_t)pid) {
            if (pidfd >= 0) close(pidfd);
            *status_out = status;
            return 1;
        }
        if (reaped < 0 && errno != EINTR) {
            int failure = errno;
            if (pidfd >= 0) close(pidfd);
            return -failure;
        }
        int wait_ms = -1;
        if (deadline >= 0) {
            int64_t left = deadline - monotonic_ms();
            if (left <= 0) {
                if (pidfd >= 0) close(pidfd);
                return 0;
            }
            wait_ms = left > 1000000 ? 1000000 : (int)left;
        }
        if (pidfd >= 0) {
            struct pollfd entry = {.fd = pidfd, .events = POLLIN};
            if (poll(&entry, 1, wait_ms) < 0 && errno != EINTR) {
                int failure = errno;
                close(pidfd);
                return -failure;
            }
        } else {
            int step = wait_ms < 0 || wait_ms > 10 ? 10 : wait_ms;
            struct timespec pause = {.tv_sec = 0, .tv_nsec = (long)step * 1000000};
            nanosleep(&pause, NULL);
        }
    }
}

int bw_signal_group(int32_t pid, int signal_number) {
    return kill(-(pid_t)pid, signal_number) == 0 ? 0 : -errno;
}

int bw_memory_file(const char *name, const void *bytes, size_t length, int *fd_out) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) return -errno;
    const char *next = bytes;
    size_t left = length;
    while (left > 0) {
        ssize_t written = write(fd, next, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            int failure = errno;
            close(fd);
            return -failure;
        }
        next += written;
        left -= (size_t)written;
    }
    if (lseek(fd, 0, SEEK_SET) < 0) {
        int failure = errno;
        close(fd);
        return -failure;
    }
    *fd_out = fd;
    return 0;
}

int bw_stat(const char *path, bw_file_status *status_out) {
    struct stat status;
    if (stat(path, &status) < 0) return -errno;
    status_out->mode = status.st_mode;
    status_out->uid = status.st_uid;
    status_out->is_null_device = S_ISCHR(status.st_mode) && major(status.st_rdev) == 1 && minor(status.st_rdev) == 3;
    return 0;
}

int bw_rename(const char *from, const char *to) { return rename(from, to) < 0 ? -errno : 0; }

int bw_list_directory(const char *path, char *buffer, size_t capacity, size_t *length_out) {
    DIR *directory = opendir(path);
    if (directory == NULL) return -errno;
    size_t length = 0;
    for (;;) {
        errno = 0;
        struct dirent *entry = readdir(directory);
        if (entry == NULL) break;
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        size_t size = strlen(entry->d_name) + 1;
        if (length + size <= capacity) memcpy(buffer + length, entry->d_name, size);
        length += size;
    }
    int failure = errno;
    closedir(directory);
    if (failure != 0) return -failure;
    *length_out = length;
    return length <= capacity ? 0 : -ERANGE;
}

extern char **environ;

char *const *bw_environment(void) { return environ; }
