#define _GNU_SOURCE
#include "bindwatch_system.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

_Static_assert(sizeof(bw_ucred) == sizeof(struct ucred), "bw_ucred must match struct ucred");
_Static_assert(offsetof(bw_ucred, uid) == offsetof(struct ucred, uid), "bw_ucred must match struct ucred");

int bw_unix_socket_probe(const char *path) {
    struct stat status;
    if (lstat(path, &status) < 0) return errno == ENOENT ? 0 : -errno;
    if (!S_ISSOCK(status.st_mode)) return -ENOTSOCK;

    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(address.sun_path)) return -ENAMETOOLONG;
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int connected = connect(fd, (struct sockaddr *)&address, sizeof(address));
    int error = errno;
    close(fd);
    if (connected == 0) return 1;
    // Nobody listens: a socket left by a daemon that did not clean up.
    if (error == ECONNREFUSED) {
        if (unlink(path) < 0 && errno != ENOENT) return -errno;
        return 0;
    }
    // EAGAIN: the listener's backlog is full, so it is alive.
    if (error == EAGAIN) return 1;
    return -error;
}

int bw_notify_send(const char *socket_path, const char *message, size_t length) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    size_t path_length = strlen(socket_path);
    if (path_length == 0 || path_length >= sizeof(address.sun_path)) return -EINVAL;
    memcpy(address.sun_path, socket_path, path_length);
    if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
    socklen_t address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    ssize_t sent = sendto(fd, message, length, MSG_NOSIGNAL, (struct sockaddr *)&address, address_length);
    int error = errno;
    close(fd);
    if (sent < 0) return -error;
    return 0;
}

int bw_signal_open(const int *signal_numbers, int count, int *fd_out) {
    sigset_t mask;
    sigemptyset(&mask);
    for (int index = 0; index < count; index++) {
        if (sigaddset(&mask, signal_numbers[index]) < 0) return -errno;
    }
    int error = pthread_sigmask(SIG_BLOCK, &mask, NULL);
    if (error != 0) return -error;
    int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) return -errno;
    *fd_out = fd;
    return 0;
}

int bw_signal_restore_default(const int *signal_numbers, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) {
        if (signal(signal_numbers[i], SIG_DFL) == SIG_ERR) return -errno;
        sigaddset(&set, signal_numbers[i]);
    }
    return -pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int bw_release_free_memory(void) { return malloc_trim(0); }

int bw_malloc_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }

int bw_raise_open_file_limit(uint64_t *soft_out, uint64_t *hard_out) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) < 0) return -errno;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) < 0) return -errno;
    }
    *soft_out = limit.rlim_cur;
    *hard_out = limit.rlim_max;
    return 0;
}

int bw_socket_describe(int fd, int *domain, int *type, int *protocol, int *accepting) {
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return -errno;
    int *values[] = {domain, type, protocol, accepting};
    int options[] = {SO_DOMAIN, SO_TYPE, SO_PROTOCOL, SO_ACCEPTCONN};
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        socklen_t length = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, options[i], values[i], &length) < 0) return -errno;
    }
    return 0;
}

int bw_unix_socket_bound_path(int fd, char *path, size_t capacity) {
    struct sockaddr_un address;
    socklen_t length = sizeof(address);
    if (capacity == 0) return -EINVAL;
    if (getsockname(fd, (struct sockaddr *)&address, &length) < 0) return -errno;
    if (address.sun_family != AF_UNIX) return -EAFNOSUPPORT;
    size_t name_length = length > offsetof(struct sockaddr_un, sun_path) ? length - offsetof(struct sockaddr_un, sun_path) : 0;
    if (name_length > 0 && address.sun_path[0] == '\0') {
        // Abstract: shown with '@', as ss and systemd do.
        address.sun_path[0] = '@';
    } else {
        name_length = strnlen(address.sun_path, name_length);
    }
    if (name_length >= capacity) return -ENAMETOOLONG;
    memcpy(path, address.sun_path, name_length);
    path[name_length] = '\0';
    return 0;
}

int bw_duplicate(int fd, int *fd_out) {
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return -errno;
    *fd_out = copy;
    return 0;
}

int bw_close(int fd) {
    if (close(fd) < 0) return -errno;
    return 0;
}
