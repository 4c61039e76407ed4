// System calls around the daemon's Unix socket and limits; errno stays on this side.
#ifndef BINDWATCH_SYSTEM_H
#define BINDWATCH_SYSTEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Looks at an existing socket file: returns 1 when a server accepts connections on it, 0 when
// there is no file or only a stale one (which it removes), or a negative errno (-ENOTSOCK when
// the path is not a socket, which it leaves alone).
int bw_unix_socket_probe(const char *path);

// struct ucred, which Swift cannot see without _GNU_SOURCE; the same layout (checked in C).
typedef struct bw_ucred {
    int32_t pid;
    uint32_t uid;
    uint32_t gid;
} bw_ucred;

// Sends one datagram to systemd's notification socket: a path, or an abstract name written
// with a leading '@' ($NOTIFY_SOCKET). Returns 0 or a negative errno.
int bw_notify_send(const char *socket_path, const char *message, size_t length);

// Blocks the `count` signals in the calling thread (threads created later inherit the mask)
// and opens a signalfd for them, so they are read like data instead of interrupting anything.
// Call it before any other thread exists.
int bw_signal_open(const int *signal_numbers, int count, int *fd_out);

// Unblocks the `count` signals in the calling thread and gives them their default action, so
// that they stop the process whatever mask and dispositions its parent left it. Call it before
// any other thread exists. Returns 0 or a negative errno.
int bw_signal_restore_default(const int *signal_numbers, int count);

// Makes glibc's malloc serve every allocation of at least `bytes` with its own mapping, given
// back to the kernel when freed. By default the threshold rises with each such free, up to
// 32 MiB, and large freed buffers then stay in the heap. Returns 1 on success.
int bw_malloc_set_mmap_threshold(int bytes);

// Gives free heap memory back to the kernel (glibc's malloc_trim, every arena). Returns 1 if
// some was released.
int bw_release_free_memory(void);

// Raises the soft RLIMIT_NOFILE to the hard limit; reports both.
int bw_raise_open_file_limit(uint64_t *soft_out, uint64_t *hard_out);

// What a descriptor passed by systemd (socket activation) is: SO_DOMAIN, SO_TYPE, SO_PROTOCOL
// and SO_ACCEPTCONN. Also sets FD_CLOEXEC on it. Returns 0 or a negative errno (-ENOTSOCK for
// a descriptor that is not a socket).
int bw_socket_describe(int fd, int *domain, int *type, int *protocol, int *accepting);

// The path a Unix socket is bound to (getsockname), NUL-terminated in `path`; an abstract name
// starts with '@'. Returns 0 or a negative errno.
int bw_unix_socket_bound_path(int fd, char *path, size_t capacity);

// A close-on-exec duplicate of fd.
int bw_duplicate(int fd, int *fd_out);

int bw_close(int fd);

#ifdef __cplusplus
}
#endif

#endif
