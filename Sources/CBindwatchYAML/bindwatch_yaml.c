#include "bindwatch_yaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static int append(bw_yaml_document *document, size_t *capacity, bw_yaml_event event) {
    if (document->count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 64;
        bw_yaml_event *events = realloc(document->events, grown * sizeof(bw_yaml_event));
        if (!events) return -ENOMEM;
        document->events = events;
        *capacity = grown;
    }
    document->events[document->count++] = event;
    return 0;
}

static void describe_error(const yaml_parser_t *parser, bw_yaml_document *document) {
    const char *problem = parser->problem ? parser->problem : "not valid YAML";
    if (parser->context) {
        snprintf(document->error, sizeof(document->error), "%s %s", parser->context, problem);
    } else {
        snprintf(document->error, sizeof(document->error), "%s", problem);
    }
    document->error_line = parser->problem_mark.line + 1;
    document->error_column = parser->problem_mark.column + 1;
}

int bw_yaml_read_file(const char *path, bw_yaml_document *document) {
    memset(document, 0, sizeof(*document));
    FILE *file = fopen(path, "rb");
    if (!file) return -errno;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(file);
        return -ENOMEM;
    }
    yaml_parser_set_input_file(&parser, file);
    size_t capacity = 0;
    int result = 0;
    for (int done = 0; !done && result == 0;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            result = ferror(file) ? -EIO : 1;
            if (result == 1) describe_error(&parser, document);
            break;
        }
        bw_yaml_event out = {0};
        out.line = event.start_mark.line + 1;
        out.column = event.start_mark.column + 1;
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            out.kind = BW_YAML_DOCUMENT_START;
            break;
        case YAML_SCALAR_EVENT:
            out.kind = event.data.scalar.anchor ? BW_YAML_ALIAS : BW_YAML_SCALAR;
            out.quoted = event.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            out.length = event.data.scalar.length;
            out.value = malloc(out.length ? out.length : 1);
            if (!out.value) {
                result = -ENOMEM;
                break;
            }
            memcpy(out.value, event.data.scalar.value, out.length);
            break;
        case YAML_SEQUENCE_START_EVENT:
            out.kind = event.data.sequence_start.anchor ? BW_YAML_ALIAS : BW_YAML_SEQUENCE_START;
            break;
        case YAML_SEQUENCE_END_EVENT:
            out.kind = BW_YAML_SEQUENCE_END;
            break;
        case YAML_MAPPING_START_EVENT:
            out.kind = event.data.mapping_start.anchor ? BW_YAML_ALIAS : BW_YAML_MAPPING_START;
            break;
        case YAML_MAPPING_END_EVENT:
            out.kind = BW_YAML_MAPPING_END;
            break;
        case YAML_ALIAS_EVENT:
            out.kind = BW_YAML_ALIAS;
            break;
        default:
            break;
        }
        if (result == 0 && out.kind != 0) {
            int appended = append(document, &capacity, out);
            if (appended != 0) {
                free(out.value);
                result = appended;
            }
        } else {
            free(out.value);
        }
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    fclose(file);
    return result;
}

void bw_yaml_free(bw_yaml_document *document) {
    for (size_t i = 0; i < document->count; i++) free(document->events[i].value);
    free(document->events);
    document->events = NULL;
    document->count = 0;
}
