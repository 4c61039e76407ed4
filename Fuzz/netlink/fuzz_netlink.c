// libFuzzer target for the C netlink parser: the input is one datagram as recvmsg() returned
// it, walked the way NetlinkMessage.decode(datagram:) walks it (NetlinkMessage+Decoding.swift):
// bw_message_next() from offset 0 until it returns 0 (end) or a negative errno (broken
// framing). bw_message_next decodes address, link and prefix messages itself.
//
// Besides the sanitizers' checks, it checks the promises of bindwatch_netlink.h that the Swift
// side relies on, and aborts when one is broken.
//
// Build (scripts/fuzz does this):
//   clang -g -O1 -fuse-ld=lld -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
//     -ISources/CBindwatchNetlink/include Fuzz/netlink/fuzz_netlink.c \
//     Sources/CBindwatchNetlink/bindwatch_netlink.c $(pkg-config --cflags --libs libmnl)
// libmnl itself is the system's, not instrumented: its own reads are checked only through the
// bounds bindwatch_netlink.c gives it.
#include "bindwatch_netlink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(condition)                                                                       \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            fprintf(stderr, "fuzz_netlink: broken promise: %s (%s:%d)\n", #condition,          \
                    __FILE__, __LINE__);                                                       \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static int nul_terminated(const char *text, size_t size) { return memchr(text, 0, size) != NULL; }

static void check_message(const bw_message *message) {
    switch (message->kind) {
    case BW_MESSAGE_ADDRESS: {
        const bw_address *address = &message->body.address;
        CHECK(address->family == BW_AF_INET || address->family == BW_AF_INET6);
        CHECK(address->prefix_length <= (address->family == BW_AF_INET ? 32 : 128));
        CHECK(address->has_local || address->has_address);
        CHECK(nul_terminated(address->label, sizeof(address->label)));
        break;
    }
    case BW_MESSAGE_LINK:
        CHECK(nul_terminated(message->body.link.name, sizeof(message->body.link.name)));
        break;
    case BW_MESSAGE_PREFIX:
    case BW_MESSAGE_DONE:
    case BW_MESSAGE_ERROR:
    case BW_MESSAGE_MALFORMED:
    case BW_MESSAGE_OTHER:
        break;
    default:
        CHECK(!"unknown kind");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t offset = 0;
    bw_message message;
    for (;;) {
        size_t before = offset;
        int status = bw_message_next(data, size, &offset, &message);
        if (status == 0) {
            CHECK(offset >= size);
            break;
        }
        if (status < 0) {
            CHECK(status == -EBADMSG);
            CHECK(offset == before);
            break;
        }
        CHECK(status == 1);
        // Every message is at least a header long, so the walk ends.
        CHECK(offset >= before + 16);
        check_message(&message);
    }
    return 0;
}
