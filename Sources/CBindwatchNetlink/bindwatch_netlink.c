// rtnetlink sockets and message parsing over libmnl. See include/bindwatch_netlink.h.
//
// Parsing follows libmnl's examples/rtnl: mnl_attr_parse with a callback that skips attribute
// types it does not know (mnl_attr_type_valid), validates the ones it uses (mnl_attr_validate,
// mnl_attr_validate2) and fills a table indexed by type.
#define _GNU_SOURCE
#include "bindwatch_netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

// ---------------------------------------------------------------------------------------------
// Attribute tables

static int address_attribute(const struct nlattr *attribute, void *data) {
    const struct nlattr **table = data;
    uint16_t type = mnl_attr_get_type(attribute);
    if (mnl_attr_type_valid(attribute, IFA_MAX) < 0) {
        return MNL_CB_OK;  // newer than our headers: skip, never fatal
    }
    switch (type) {
    case IFA_ADDRESS:
    case IFA_LOCAL:
        // 4 or 16 bytes; which one is checked against the family once the table is full.
        if (mnl_attr_validate(attribute, MNL_TYPE_BINARY) < 0) return MNL_CB_ERROR;
        break;
    case IFA_LABEL:
        if (mnl_attr_validate(attribute, MNL_TYPE_NUL_STRING) < 0) return MNL_CB_ERROR;
        break;
    case IFA_CACHEINFO:
        if (mnl_attr_validate2(attribute, MNL_TYPE_BINARY, sizeof(struct ifa_cacheinfo)) < 0) {
            return MNL_CB_ERROR;
        }
        break;
    case IFA_FLAGS:
        if (mnl_attr_validate(attribute, MNL_TYPE_U32) < 0) return MNL_CB_ERROR;
        break;
    default:
        return MNL_CB_OK;  // known to the kernel, not used by bindwatch
    }
    table[type] = attribute;
    return MNL_CB_OK;
}

static int link_attribute(const struct nlattr *attribute, void *data) {
    const struct nlattr **table = data;
    uint16_t type = mnl_attr_get_type(attribute);
    if (mnl_attr_type_valid(attribute, IFLA_MAX) < 0) {
        return MNL_CB_OK;
    }
    switch (type) {
    case IFLA_IFNAME:
        if (mnl_attr_validate(attribute, MNL_TYPE_NUL_STRING) < 0) return MNL_CB_ERROR;
        break;
    case IFLA_OPERSTATE:
        if (mnl_attr_validate(attribute, MNL_TYPE_U8) < 0) return MNL_CB_ERROR;
        break;
    default:
        return MNL_CB_OK;
    }
    table[type] = attribute;
    return MNL_CB_OK;
}

static int prefix_attribute(const struct nlattr *attribute, void *data) {
    const struct nlattr **table = data;
    uint16_t type = mnl_attr_get_type(attribute);
    if (mnl_attr_type_valid(attribute, PREFIX_MAX) < 0) {
        return MNL_CB_OK;
    }
    if (type == PREFIX_ADDRESS) {
        if (mnl_attr_validate2(attribute, MNL_TYPE_BINARY, 16) < 0) return MNL_CB_ERROR;
        table[type] = attribute;
    }
    return MNL_CB_OK;
}

static void copy_name(char destination[BW_INTERFACE_NAME_SIZE], const struct nlattr *attribute) {
    const char *name = mnl_attr_get_str(attribute);
    size_t length = strnlen(name, mnl_attr_get_payload_len(attribute));
    if (length >= BW_INTERFACE_NAME_SIZE) length = BW_INTERFACE_NAME_SIZE - 1;
    memcpy(destination, name, length);
    destination[length] = '\0';
}

// ---------------------------------------------------------------------------------------------
// Messages

// mnl_attr_parse walks up to MNL_ALIGN(nlmsg_len): when nlmsg_len is not a multiple of 4 (the
// last message of a datagram), an attribute could reach up to 3 bytes past the message and the
// datagram (found by fuzzing). Bound the walk by nlmsg_len itself. The caller has checked that
// the payload holds the family header, whose size is a multiple of 4.
static int parse_attributes(const struct nlmsghdr *header, size_t family_header_size,
                            mnl_attr_cb_t callback, const struct nlattr **table) {
    size_t offset = MNL_NLMSG_HDRLEN + MNL_ALIGN(family_header_size);
    if (header->nlmsg_len < offset) return -1;
    return mnl_attr_parse_payload((const char *)header + offset, header->nlmsg_len - offset,
                                  callback, table);
}

static int parse_address(const struct nlmsghdr *header, bw_address *out) {
    if (mnl_nlmsg_get_payload_len(header) < sizeof(struct ifaddrmsg)) return -1;
    const struct ifaddrmsg *message = mnl_nlmsg_get_payload(header);
    const struct nlattr *table[IFA_MAX + 1] = {0};
    if (parse_attributes(header, sizeof(*message), address_attribute, table) < 0) return -1;

    size_t address_length;
    if (message->ifa_family == AF_INET) {
        address_length = 4;
    } else if (message->ifa_family == AF_INET6) {
        address_length = 16;
    } else {
        return -1;
    }
    if (message->ifa_prefixlen > address_length * 8) return -1;

    memset(out, 0, sizeof(*out));
    out->is_delete = header->nlmsg_type == RTM_DELADDR;
    out->family = message->ifa_family;
    out->prefix_length = message->ifa_prefixlen;
    out->scope = message->ifa_scope;
    out->ifindex = message->ifa_index;
    out->flags = table[IFA_FLAGS] ? mnl_attr_get_u32(table[IFA_FLAGS]) : message->ifa_flags;
    if (table[IFA_LOCAL]) {
        if (mnl_attr_get_payload_len(table[IFA_LOCAL]) != address_length) return -1;
        memcpy(out->local, mnl_attr_get_payload(table[IFA_LOCAL]), address_length);
        out->has_local = 1;
    }
    if (table[IFA_ADDRESS]) {
        if (mnl_attr_get_payload_len(table[IFA_ADDRESS]) != address_length) return -1;
        memcpy(out->address, mnl_attr_get_payload(table[IFA_ADDRESS]), address_length);
        out->has_address = 1;
    }
    if (!out->has_local && !out->has_address) return -1;  // an address message with no address
    if (table[IFA_LABEL]) {
        copy_name(out->label, table[IFA_LABEL]);
        out->has_label = 1;
    }
    if (table[IFA_CACHEINFO]) {
        const struct ifa_cacheinfo *info = mnl_attr_get_payload(table[IFA_CACHEINFO]);
        out->preferred_lifetime = info->ifa_prefered;
        out->valid_lifetime = info->ifa_valid;
        out->has_cacheinfo = 1;
    }
    return 0;
}

static int parse_link(const struct nlmsghdr *header, bw_link *out) {
    if (mnl_nlmsg_get_payload_len(header) < sizeof(struct ifinfomsg)) return -1;
    const struct ifinfomsg *message = mnl_nlmsg_get_payload(header);
    const struct nlattr *table[IFLA_MAX + 1] = {0};
    if (parse_attributes(header, sizeof(*message), link_attribute, table) < 0) return -1;

    memset(out, 0, sizeof(*out));
    out->is_delete = header->nlmsg_type == RTM_DELLINK;
    out->ifindex = message->ifi_index;
    out->family = message->ifi_family;
    out->flags = message->ifi_flags;
    out->link_type = message->ifi_type;
    if (table[IFLA_IFNAME]) {
        copy_name(out->name, table[IFLA_IFNAME]);
        out->has_name = 1;
    }
    if (table[IFLA_OPERSTATE]) {
        out->operstate = mnl_attr_get_u8(table[IFLA_OPERSTATE]);
        out->has_operstate = 1;
    }
    return 0;
}

static int parse_prefix(const struct nlmsghdr *header, bw_prefix *out) {
    if (mnl_nlmsg_get_payload_len(header) < sizeof(struct prefixmsg)) return -1;
    const struct prefixmsg *message = mnl_nlmsg_get_payload(header);
    const struct nlattr *table[PREFIX_MAX + 1] = {0};
    if (parse_attributes(header, sizeof(*message), prefix_attribute, table) < 0) return -1;

    memset(out, 0, sizeof(*out));
    out->family = message->prefix_family;
    out->ifindex = message->prefix_ifindex;
    out->prefix_length = message->prefix_len;
    if (table[PREFIX_ADDRESS]) {
        memcpy(out->prefix, mnl_attr_get_payload(table[PREFIX_ADDRESS]), 16);
        out->has_prefix = 1;
    }
    return 0;
}

int bw_message_next(const void *datagram, size_t length, size_t *offset, bw_message *out) {
    if (*offset >= length) return 0;
    const struct nlmsghdr *header = (const struct nlmsghdr *)((const char *)datagram + *offset);
    size_t remaining = length - *offset;
    // mnl_nlmsg_ok compares (int)nlmsg_len, which lets a length of 2^31 or more through: found
    // by fuzzing (0xFFFFFFFF aligns to 0, so the walk never advanced). Compare it unsigned too.
    if (remaining > INT32_MAX || !mnl_nlmsg_ok(header, (int)remaining) || header->nlmsg_len > remaining) {
        return -EBADMSG;
    }

    // NLMSG_ALIGN may step past the end on the last message; that only ends the walk.
    *offset += NLMSG_ALIGN(header->nlmsg_len);

    memset(out, 0, sizeof(*out));
    out->type = header->nlmsg_type;
    out->flags = header->nlmsg_flags;
    out->sequence = header->nlmsg_seq;
    out->port_id = header->nlmsg_pid;

    int status;
    switch (header->nlmsg_type) {
    case RTM_NEWADDR:
    case RTM_DELADDR:
        out->kind = BW_MESSAGE_ADDRESS;
        status = parse_address(header, &out->body.address);
        break;
    case RTM_NEWLINK:
    case RTM_DELLINK:
        out->kind = BW_MESSAGE_LINK;
        status = parse_link(header, &out->body.link);
        break;
    case RTM_NEWPREFIX:
        out->kind = BW_MESSAGE_PREFIX;
        status = parse_prefix(header, &out->body.prefix);
        break;
    case NLMSG_DONE:
        out->kind = BW_MESSAGE_DONE;
        // A dump that failed part-way (the link vanished, say) puts its error here.
        if (mnl_nlmsg_get_payload_len(header) >= sizeof(int32_t)) {
            memcpy(&out->error, mnl_nlmsg_get_payload(header), sizeof(int32_t));
        }
        status = 0;
        break;
    case NLMSG_ERROR:
        out->kind = BW_MESSAGE_ERROR;
        if (mnl_nlmsg_get_payload_len(header) < sizeof(struct nlmsgerr)) {
            status = -1;
        } else {
            const struct nlmsgerr *error = mnl_nlmsg_get_payload(header);
            out->error = error->error;
            status = 0;
        }
        break;
    default:
        out->kind = BW_MESSAGE_OTHER;
        status = 0;
        break;
    }
    if (status < 0) out->kind = BW_MESSAGE_MALFORMED;
    return 1;
}

// ---------------------------------------------------------------------------------------------
// Sockets

int bw_netlink_open(int *fd_out) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct sockaddr_nl local = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    *fd_out = fd;
    return 0;
}

int bw_netlink_join_groups(int fd) {
    static const int groups[] = {
        RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_PREFIX,
    };
    for (size_t index = 0; index < sizeof(groups) / sizeof(groups[0]); index++) {
        int group = groups[index];
        if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
            return -errno;
        }
    }
    return 0;
}

int bw_netlink_enable_strict_check(int fd) {
    int on = 1;
    if (setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, sizeof(on)) < 0) return -errno;
    return 0;
}

int bw_netlink_connect_kernel(int fd) {
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) return -errno;
    return 0;
}

int bw_netlink_port_id(int fd, uint32_t *port_id_out) {
    struct sockaddr_nl local;
    socklen_t length = sizeof(local);
    if (getsockname(fd, (struct sockaddr *)&local, &length) < 0) return -errno;
    if (local.nl_family != AF_NETLINK) return -EAFNOSUPPORT;
    *port_id_out = local.nl_pid;
    return 0;
}

int bw_netlink_receive_buffer(int fd, int *bytes_out) {
    int value = 0;
    socklen_t length = sizeof(value);
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &length) < 0) return -errno;
    *bytes_out = value;
    return 0;
}

int bw_netlink_set_receive_buffer(int fd, int bytes, int *granted_out, int *forced_out) {
    *forced_out = 0;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0) {
        *forced_out = 1;
    } else if (errno != EPERM) {
        return -errno;
    } else if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0) {
        return -errno;
    }
    return bw_netlink_receive_buffer(fd, granted_out);
}

static int send_request(int fd, struct nlmsghdr *header) {
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t sent = sendto(fd, header, header->nlmsg_len, 0, (struct sockaddr *)&kernel,
                          sizeof(kernel));
    if (sent < 0) return -errno;
    if ((size_t)sent != header->nlmsg_len) return -EMSGSIZE;
    return 0;
}

int bw_netlink_request_link_dump(int fd, uint32_t sequence) {
    char buffer[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg))];
    struct nlmsghdr *header = mnl_nlmsg_put_header(buffer);
    header->nlmsg_type = RTM_GETLINK;
    header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    header->nlmsg_seq = sequence;
    struct ifinfomsg *message = mnl_nlmsg_put_extra_header(header, sizeof(*message));
    message->ifi_family = AF_UNSPEC;
    return send_request(fd, header);
}

int bw_netlink_request_address_dump(int fd, uint32_t sequence, int32_t ifindex) {
    char buffer[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifaddrmsg))];
    struct nlmsghdr *header = mnl_nlmsg_put_header(buffer);
    header->nlmsg_type = RTM_GETADDR;
    header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    header->nlmsg_seq = sequence;
    struct ifaddrmsg *message = mnl_nlmsg_put_extra_header(header, sizeof(*message));
    message->ifa_family = AF_UNSPEC;
    message->ifa_index = (uint32_t)ifindex;  // honoured only with NETLINK_GET_STRICT_CHK
    return send_request(fd, header);
}

ssize_t bw_netlink_receive(int fd, void *buffer, size_t capacity, uint32_t *sender_port_out, int dont_wait) {
    struct sockaddr_nl sender;
    struct iovec vector = {.iov_base = buffer, .iov_len = capacity};
    struct msghdr message = {
        .msg_name = &sender,
        .msg_namelen = sizeof(sender),
        .msg_iov = &vector,
        .msg_iovlen = 1,
    };
    ssize_t received;
    do {
        received = recvmsg(fd, &message, dont_wait ? MSG_DONTWAIT : 0);
    } while (received < 0 && errno == EINTR);
    if (received < 0) return -errno;
    if (message.msg_flags & MSG_TRUNC) return -EMSGSIZE;
    if (message.msg_namelen != sizeof(sender) || sender.nl_family != AF_NETLINK) {
        return -EPROTO;
    }
    *sender_port_out = sender.nl_pid;
    return received;
}

