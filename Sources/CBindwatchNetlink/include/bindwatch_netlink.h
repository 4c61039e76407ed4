// The C boundary of bindwatch: rtnetlink sockets and message parsing over libmnl.
//
// Everything Swift needs crosses as flat, fixed-size structs. Functions return 0 (or a
// count) on success and a negative errno value on failure; errno itself never leaks out.
#ifndef BINDWATCH_NETLINK_H
#define BINDWATCH_NETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

// Receive buffers smaller than this make dumps fail with MSG_TRUNC (libmnl 1.0.4 has no
// MNL_SOCKET_DUMP_SIZE).
#define BW_RECEIVE_BUFFER_MINIMUM 32768

#define BW_INTERFACE_NAME_SIZE 16

typedef enum bw_message_kind {
    BW_MESSAGE_OTHER = 0,      // a type bindwatch does not use; skipped
    BW_MESSAGE_ADDRESS = 1,    // RTM_NEWADDR, RTM_DELADDR
    BW_MESSAGE_LINK = 2,       // RTM_NEWLINK, RTM_DELLINK
    BW_MESSAGE_PREFIX = 3,     // RTM_NEWPREFIX
    BW_MESSAGE_DONE = 4,       // NLMSG_DONE: end of a dump
    BW_MESSAGE_ERROR = 5,      // NLMSG_ERROR: error (or ack) for a request
    BW_MESSAGE_MALFORMED = 6,  // a known type whose payload or attributes did not validate
} bw_message_kind;

typedef struct bw_address {
    uint8_t is_delete;  // RTM_DELADDR
    uint8_t family;     // AF_INET or AF_INET6
    uint8_t prefix_length;
    uint8_t scope;      // RT_SCOPE_*
    uint32_t ifindex;
    uint32_t flags;     // IFA_FLAGS when present, else the 8-bit ifa_flags
    uint8_t has_local;
    uint8_t has_address;
    uint8_t has_label;
    uint8_t has_cacheinfo;
    uint8_t local[16];    // IFA_LOCAL: this host's address when a peer exists (IPv4: always)
    uint8_t address[16];  // IFA_ADDRESS: the peer on point-to-point links
    char label[BW_INTERFACE_NAME_SIZE];  // IFA_LABEL, NUL-terminated (IPv4 only)
    uint32_t preferred_lifetime;  // IFA_CACHEINFO seconds remaining; 0xFFFFFFFF = forever
    uint32_t valid_lifetime;
} bw_address;

typedef struct bw_link {
    uint8_t is_delete;  // RTM_DELLINK
    uint8_t has_name;
    uint8_t has_operstate;
    uint8_t operstate;  // IF_OPER_*
    int32_t ifindex;
    uint8_t family;     // ifi_family: AF_UNSPEC for the link itself; AF_BRIDGE for bridge-port state
    uint32_t flags;     // ifi_flags: IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ...
    uint16_t link_type; // ifi_type: ARPHRD_*
    char name[BW_INTERFACE_NAME_SIZE];  // IFLA_IFNAME, NUL-terminated
} bw_link;

typedef struct bw_prefix {
    uint8_t family;
    uint8_t prefix_length;
    uint8_t has_prefix;
    int32_t ifindex;
    uint8_t prefix[16];
} bw_prefix;

typedef struct bw_message {
    bw_message_kind kind;
    uint16_t type;   // nlmsg_type
    uint16_t flags;  // nlmsg_flags (NLM_F_MULTI, NLM_F_DUMP_INTR, ...)
    uint32_t sequence;  // nlmsg_seq
    uint32_t port_id;   // nlmsg_pid: the requester's port for dump replies
    int32_t error;      // BW_MESSAGE_ERROR, BW_MESSAGE_DONE: the negative errno (0 = ack, or a dump that ended well)
    union {
        bw_address address;
        bw_link link;
        bw_prefix prefix;
    } body;
} bw_message;

// Decodes the message at *offset in a datagram and advances *offset past it.
// Returns 1 when a message was decoded, 0 at the end of the datagram, and -EBADMSG when the
// framing is broken (the rest of the datagram cannot be trusted and is dropped).
int bw_message_next(const void *datagram, size_t length, size_t *offset, bw_message *out);

// Opens an unbound-to-groups NETLINK_ROUTE socket (close-on-exec, blocking) and binds it.
int bw_netlink_open(int *fd_out);

// Joins RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR and RTNLGRP_IPV6_PREFIX.
int bw_netlink_join_groups(int fd);

// Turns on NETLINK_GET_STRICT_CHK so that an address dump can be limited to one link.
int bw_netlink_enable_strict_check(int fd);

// Connects the socket to the kernel (port 0): the kernel then refuses unicasts to it from
// any other port (ECONNREFUSED to the sender), so what it reads comes from the kernel even
// when read() gives no sender address. Multicast delivery is unchanged.
int bw_netlink_connect_kernel(int fd);

// The port id the kernel gave the socket.
int bw_netlink_port_id(int fd, uint32_t *port_id_out);

// Sets the receive buffer: SO_RCVBUFFORCE when permitted (CAP_NET_ADMIN), else SO_RCVBUF,
// which net.core.rmem_max caps. Reports the size the kernel granted and whether it was forced.
int bw_netlink_set_receive_buffer(int fd, int bytes, int *granted_out, int *forced_out);

// The socket's current receive buffer size as the kernel reports it.
int bw_netlink_receive_buffer(int fd, int *bytes_out);

// Sends an RTM_GETLINK dump request (all links).
int bw_netlink_request_link_dump(int fd, uint32_t sequence);

// Sends an RTM_GETADDR dump request: every address when ifindex is 0, else (with strict
// checking on) only that link's addresses.
int bw_netlink_request_address_dump(int fd, uint32_t sequence, int32_t ifindex);

// Receives one datagram. Returns its length, or a negative errno (-ENOBUFS after an overrun,
// -EMSGSIZE when it did not fit in the buffer). *sender_port_out is the sender's nl_pid from
// msg_name: 0 for the kernel.
// With dont_wait set, returns -EAGAIN instead of blocking when nothing is queued.
ssize_t bw_netlink_receive(int fd, void *buffer, size_t capacity, uint32_t *sender_port_out, int dont_wait);

// Address families as Swift sees them, so Swift does not need the kernel headers.
enum { BW_AF_INET = 2, BW_AF_INET6 = 10 };

#ifdef __cplusplus
}
#endif

#endif
