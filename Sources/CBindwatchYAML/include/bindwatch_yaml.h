// Reads a YAML file with libyaml into a flat list of events, so that Swift walks plain values
// and no pointer of libyaml's crosses into Swift; errno and libyaml's errors stay here.
#ifndef BINDWATCH_YAML_H
#define BINDWATCH_YAML_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bw_yaml_kind {
    BW_YAML_SCALAR = 1,
    BW_YAML_SEQUENCE_START = 2,
    BW_YAML_SEQUENCE_END = 3,
    BW_YAML_MAPPING_START = 4,
    BW_YAML_MAPPING_END = 5,
    // An alias (*name) or an anchor (&name): settings files have no use for them.
    BW_YAML_ALIAS = 6,
    BW_YAML_DOCUMENT_START = 7,
} bw_yaml_kind;

typedef struct bw_yaml_event {
    int kind;
    // A scalar written in quotes (or as a block): a string whatever it looks like.
    int quoted;
    // 1-based, where the event starts.
    size_t line;
    size_t column;
    // A scalar's bytes (not NUL-terminated: a scalar may contain NUL), else NULL.
    char *value;
    size_t length;
} bw_yaml_event;

typedef struct bw_yaml_document {
    bw_yaml_event *events;
    size_t count;
    // A syntax error: libyaml's problem and context, and where (1-based).
    char error[256];
    size_t error_line;
    size_t error_column;
} bw_yaml_document;

// Returns 0 with the events in `document`, 1 on a syntax error (described in `document`),
// or a negative errno when the file cannot be opened or read. Free with bw_yaml_free in
// every case.
int bw_yaml_read_file(const char *path, bw_yaml_document *document);

void bw_yaml_free(bw_yaml_document *document);

#ifdef __cplusplus
}
#endif

#endif
