// Child processes for the dispatcher: spawn, wait with a deadline, signal, and the files a
// script is checked by and fed from. errno stays on this side: each returns a negative errno.
#ifndef BINDWATCH_PROCESS_H
#define BINDWATCH_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Starts `path` with `argv` and `envp` (both NULL-terminated) in a process group of its own,
// so that a timeout stops what it started too. stdin comes from `stdin_fd`; stdout and stderr
// are the caller's. Every signal is at its default action and unblocked in the child. Returns
// 0 with the pid, or a negative errno.
int bw_spawn(const char *path, char *const argv[], char *const envp[], int stdin_fd, int32_t *pid_out);

// Waits up to `timeout_ms` (negative: no limit) for the child to end, and reaps it. Returns 1
// with its wait status, 0 when the time ran out first (the child is left running), or a
// negative errno. Blocks the calling thread.
int bw_wait_child(int32_t pid, int timeout_ms, int *status_out);

// Sends `signal_number` to the child's process group (the child leads it). Returns 0 or a
// negative errno; -ESRCH when the group is gone.
int bw_signal_group(int32_t pid, int signal_number);

// An anonymous in-memory file (memfd) holding `bytes`, positioned at its start: a script reads
// it as stdin at its own pace, and a script that never reads it blocks nobody.
int bw_memory_file(const char *name, const void *bytes, size_t length, int *fd_out);

typedef struct bw_file_status {
    uint32_t mode;
    uint32_t uid;
    // The file is /dev/null (character device 1:3): how a unit or script is masked.
    int is_null_device;
} bw_file_status;

// stat(2), following symlinks. Returns 0 or a negative errno.
int bw_stat(const char *path, bw_file_status *status_out);

// rename(2). Returns 0 or a negative errno.
int bw_rename(const char *from, const char *to);

// The names in a directory but "." and "..", each followed by a NUL, in `buffer`. Returns 0
// with their total length, -ERANGE with the length needed when `capacity` is too small, or
// another negative errno.
int bw_list_directory(const char *path, char *buffer, size_t capacity, size_t *length_out);

// The process's environment (`environ`), NULL-terminated "NAME=value" strings.
char *const *bw_environment(void);

#ifdef __cplusplus
}
#endif

#endif
