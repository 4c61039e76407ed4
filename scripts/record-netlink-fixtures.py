#!/usr/bin/env python3
"""Record rtnetlink messages from the running kernel as unit-test fixtures.

Usage (as root, from anywhere; stdlib only):

    python3 scripts/record-netlink-fixtures.py             # regenerate every fixture
    python3 scripts/record-netlink-fixtures.py --list      # list the scenarios
    python3 scripts/record-netlink-fixtures.py -s ipv6-nodad -s dump-links -v
    python3 scripts/record-netlink-fixtures.py --output-dir /tmp/fx

Each scenario runs in fresh network namespaces named bwrec-<pid>-<n>. They are
linked by a veth pair: veth0 in the recorded namespace, veth1 in a peer
namespace. The scenario drives the kernel with `ip` commands and records what
the kernel sends. The recorder opens its NETLINK_ROUTE sockets inside the
namespace: the main thread setns()es in, creates the socket and setns()es back
at once, and the socket stays bound to that namespace. Events come from a
socket that joins RTNLGRP_LINK (1), RTNLGRP_IPV4_IFADDR (5),
RTNLGRP_IPV6_IFADDR (9) and RTNLGRP_IPV6_PREFIX (18) with NETLINK_ADD_MEMBERSHIP.
The recorder keeps only datagrams whose sender port id is 0, which means the
kernel. Dumps (RTM_GETADDR / RTM_GETLINK with NLM_F_DUMP) go over a separate
socket bound to port id 4242. Every namespace the script creates is deleted
again, even on errors or signals.

Output: one file per scenario, Tests/BindwatchDaemonTests/Fixtures/<scenario>.nlhex

    # <scenario description, one or more lines>
    # recorded from kernel <uname -r> on <date> by scripts/record-netlink-fixtures.py
    # <more notes about what arrived>
    # <decoded description of the next message>
    <lowercase hex of exactly one complete netlink message (nlmsg_len bytes)>
    ...

A line starting with '#' is a comment. Every other non-empty line is one
message. The messages appear in the order the recorder received them.
Multi-message datagrams are split into single messages. A message's comment
ends with "; event +T" or "; dump reply +T". T is the number of seconds
since recording started at which the recorder *read* the message. The kernel
may have sent it a little earlier. A line "# --- RTM_GETADDR dump request ...
---" comes before each recorded dump's replies.

Events are filtered to the scenario's interface, and to its addresses where
that matters. The header lists what was filtered out, if anything. Dump
replies are always kept in full, up to and including NLMSG_DONE.

A scenario's fixture file is written only when the scenario's checks pass.
The script exits non-zero if any scenario failed.
"""

import argparse
import atexit
import ctypes
import datetime
import errno
import ipaddress
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

SCRIPT_DIR = Path(__file__).resolve().parent
REPO = SCRIPT_DIR.parent
DEFAULT_OUTPUT = REPO / "Tests" / "BindwatchDaemonTests" / "Fixtures"
RA_SENDER = SCRIPT_DIR / "send-router-advertisement.py"
NS_PREFIX = "bwrec-"

# ---------------------------------------------------------------- constants

CLONE_NEWNET = 0x40000000
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_GET_STRICT_CHK = 12
RTNLGRP_LINK = 1
RTNLGRP_IPV4_IFADDR = 5
RTNLGRP_IPV6_IFADDR = 9
RTNLGRP_IPV6_PREFIX = 18
GROUPS = (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_PREFIX)
DUMP_PORT_ID = 4242
RCVBUF = 1 << 20
RECV_SIZE = 1 << 18

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_DELROUTE = 24, 25
RTM_NEWPREFIX = 52
MSG_TYPES = {
    NLMSG_NOOP: "NLMSG_NOOP", NLMSG_ERROR: "NLMSG_ERROR", NLMSG_DONE: "NLMSG_DONE",
    NLMSG_OVERRUN: "NLMSG_OVERRUN", RTM_NEWLINK: "RTM_NEWLINK", RTM_DELLINK: "RTM_DELLINK",
    RTM_GETLINK: "RTM_GETLINK", RTM_NEWADDR: "RTM_NEWADDR", RTM_DELADDR: "RTM_DELADDR",
    RTM_GETADDR: "RTM_GETADDR", RTM_NEWROUTE: "RTM_NEWROUTE", RTM_DELROUTE: "RTM_DELROUTE",
    RTM_NEWPREFIX: "RTM_NEWPREFIX",
}

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP = 0x300
NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED = 0x10, 0x20
NLMSG_FLAG_NAMES = [(0x1, "REQUEST"), (0x2, "MULTI"), (0x4, "ACK"), (0x8, "ECHO"),
                    (0x10, "DUMP_INTR"), (0x20, "DUMP_FILTERED")]
NLMSG_NEW_FLAG_NAMES = [(0x100, "REPLACE"), (0x200, "EXCL"), (0x400, "CREATE"),
                        (0x800, "APPEND")]
NLMSG_GET_FLAG_NAMES = [(0x100, "ROOT"), (0x200, "MATCH"), (0x400, "ATOMIC")]

AF_INET, AF_INET6, AF_UNSPEC = socket.AF_INET, socket.AF_INET6, socket.AF_UNSPEC
FAMILIES = {AF_UNSPEC: "unspec", AF_INET: "inet", AF_INET6: "inet6", 7: "bridge"}

IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_ANYCAST = 1, 2, 3, 4, 5
IFA_CACHEINFO, IFA_MULTICAST, IFA_FLAGS, IFA_RT_PRIORITY = 6, 7, 8, 9
IFA_TARGET_NETNSID, IFA_PROTO = 10, 11
IFA_F_SECONDARY = 0x01  # "temporary" for inet6
IFA_F_NODAD = 0x02
IFA_F_OPTIMISTIC = 0x04
IFA_F_DADFAILED = 0x08
IFA_F_HOMEADDRESS = 0x10
IFA_F_DEPRECATED = 0x20
IFA_F_TENTATIVE = 0x40
IFA_F_PERMANENT = 0x80
IFA_F_MANAGETEMPADDR = 0x100
IFA_F_NOPREFIXROUTE = 0x200
IFA_F_MCAUTOJOIN = 0x400
IFA_F_STABLE_PRIVACY = 0x800
IFA_FLAG_NAMES = [(0x01, "secondary"), (0x02, "nodad"), (0x04, "optimistic"),
                  (0x08, "dadfailed"), (0x10, "home"), (0x20, "deprecated"),
                  (0x40, "tentative"), (0x80, "permanent"), (0x100, "mngtmpaddr"),
                  (0x200, "noprefixroute"), (0x400, "autojoin"), (0x800, "stable-privacy")]
IFA_PROTOS = {0: "unspec", 1: "kernel_lo", 2: "kernel_ra", 3: "kernel_ll"}
SCOPES = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}
INFINITY = 0xFFFFFFFF

IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK = 1, 3, 4, 5
IFLA_OPERSTATE, IFLA_LINKINFO, IFLA_CARRIER, IFLA_LINK_NETNSID, IFLA_EVENT = 16, 18, 33, 37, 44
IFLA_INFO_KIND = 1
IFF_NAMES = [(0x1, "UP"), (0x2, "BROADCAST"), (0x4, "DEBUG"), (0x8, "LOOPBACK"),
             (0x10, "POINTOPOINT"), (0x20, "NOTRAILERS"), (0x40, "RUNNING"), (0x80, "NOARP"),
             (0x100, "PROMISC"), (0x200, "ALLMULTI"), (0x400, "MASTER"), (0x800, "SLAVE"),
             (0x1000, "MULTICAST"), (0x2000, "PORTSEL"), (0x4000, "AUTOMEDIA"),
             (0x8000, "DYNAMIC"), (0x10000, "LOWER_UP"), (0x20000, "DORMANT"),
             (0x40000, "ECHO")]
IFF_UP = 0x1
OPERSTATES = {0: "UNKNOWN", 1: "NOTPRESENT", 2: "DOWN", 3: "LOWERLAYERDOWN", 4: "TESTING",
              5: "DORMANT", 6: "UP"}
ARPHRD = {1: "ether", 772: "loopback", 65534: "none"}
IFLA_EVENTS = {0: "NONE", 1: "REBOOT", 2: "FEATURES", 3: "BONDING_FAILOVER",
               4: "NOTIFY_PEERS", 5: "IGMP_RESEND", 6: "BONDING_OPTIONS"}

PREFIX_ADDRESS, PREFIX_CACHEINFO = 1, 2
IF_PREFIX_ONLINK, IF_PREFIX_AUTOCONF = 0x01, 0x02

NLMSGHDR = struct.Struct("=IHHII")
IFADDRMSG = struct.Struct("=BBBBI")
IFINFOMSG = struct.Struct("=BBHiII")
PREFIXMSG = struct.Struct("=BBHiBBBB")


class RecorderError(Exception):
    """A setup or expectation failure in a scenario."""


def align4(n):
    return (n + 3) & ~3


# ---------------------------------------------------------------- parsing

def split_messages(datagram):
    """Split one netlink datagram into complete messages (bytes)."""
    out, off = [], 0
    while off + NLMSGHDR.size <= len(datagram):
        length = NLMSGHDR.unpack_from(datagram, off)[0]
        if length < NLMSGHDR.size or off + length > len(datagram):
            raise RecorderError(f"malformed netlink datagram: nlmsg_len {length} at offset "
                                f"{off} of {len(datagram)}")
        out.append(bytes(datagram[off:off + length]))
        off += align4(length)
    if off < len(datagram) and any(datagram[off:]):
        raise RecorderError(f"{len(datagram) - off} trailing bytes in netlink datagram")
    return out


def parse_attrs(data, off):
    """Return {type: payload} (last one wins) and the ordered list of types."""
    attrs, order = {}, []
    while off + 4 <= len(data):
        nla_len, nla_type = struct.unpack_from("=HH", data, off)
        if nla_len < 4 or off + nla_len > len(data):
            break
        nla_type &= 0x3FFF
        attrs[nla_type] = data[off + 4:off + nla_len]
        order.append(nla_type)
        off += align4(nla_len)
    return attrs, order


def flag_names(value, table):
    names = [name for bit, name in table if value & bit]
    rest = value & ~sum(bit for bit, _ in table)
    if rest:
        names.append(f"0x{rest:x}")
    return names


def ip_str(family, raw):
    try:
        if family == AF_INET and len(raw) == 4:
            return str(ipaddress.IPv4Address(raw))
        if family == AF_INET6 and len(raw) == 16:
            return str(ipaddress.IPv6Address(raw))
    except ValueError:
        pass
    return raw.hex()


def lifetime_str(v):
    return "forever" if v == INFINITY else f"{v}s"


def cstr(raw):
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


class Msg:
    """A parsed netlink message. Fields depend on .kind."""

    def __init__(self, raw):
        self.raw = raw
        (self.len, self.type, self.nlflags, self.seq, self.pid) = NLMSGHDR.unpack_from(raw, 0)
        self.type_name = MSG_TYPES.get(self.type, f"type {self.type}")
        self.kind = "other"
        self.family = None
        self.ifindex = None
        self.attrs, self.attr_order = {}, []
        body = NLMSGHDR.size
        if self.type in (RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR) and len(raw) >= body + IFADDRMSG.size:
            self.kind = "addr"
            (self.family, self.prefixlen, self.ifa_flags, self.scope,
             self.ifindex) = IFADDRMSG.unpack_from(raw, body)
            self.attrs, self.attr_order = parse_attrs(raw, body + align4(IFADDRMSG.size))
            a = self.attrs
            self.flags_from_attr = IFA_FLAGS in a and len(a[IFA_FLAGS]) >= 4
            self.flags = (struct.unpack_from("=I", a[IFA_FLAGS])[0] if self.flags_from_attr
                          else self.ifa_flags)
            self.address = ip_str(self.family, a[IFA_ADDRESS]) if IFA_ADDRESS in a else None
            self.local = ip_str(self.family, a[IFA_LOCAL]) if IFA_LOCAL in a else None
            self.label = cstr(a[IFA_LABEL]) if IFA_LABEL in a else None
            self.broadcast = ip_str(self.family, a[IFA_BROADCAST]) if IFA_BROADCAST in a else None
            self.cacheinfo = (struct.unpack_from("=IIII", a[IFA_CACHEINFO])
                              if IFA_CACHEINFO in a and len(a[IFA_CACHEINFO]) >= 16 else None)
            self.proto = a[IFA_PROTO][0] if IFA_PROTO in a and a[IFA_PROTO] else None
            self.rt_priority = (struct.unpack_from("=I", a[IFA_RT_PRIORITY])[0]
                                if IFA_RT_PRIORITY in a else None)
            # The address this host owns: IFA_LOCAL when present (IPv4 always,
            # IPv6 with a peer), else IFA_ADDRESS.
            self.own = self.local or self.address
        elif self.type in (RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK) and len(raw) >= body + IFINFOMSG.size:
            self.kind = "link"
            (self.family, _pad, self.ifi_type, self.ifindex, self.ifi_flags,
             self.ifi_change) = IFINFOMSG.unpack_from(raw, body)
            self.attrs, self.attr_order = parse_attrs(raw, body + align4(IFINFOMSG.size))
            a = self.attrs
            self.ifname = cstr(a[IFLA_IFNAME]) if IFLA_IFNAME in a else None
            self.mtu = struct.unpack_from("=I", a[IFLA_MTU])[0] if IFLA_MTU in a else None
            self.operstate = a[IFLA_OPERSTATE][0] if IFLA_OPERSTATE in a else None
            self.carrier = a[IFLA_CARRIER][0] if IFLA_CARRIER in a else None
            self.lladdr = a[IFLA_ADDRESS].hex(":") if IFLA_ADDRESS in a else None
            self.event = (struct.unpack_from("=I", a[IFLA_EVENT])[0]
                          if IFLA_EVENT in a else None)
            self.link_kind = None
            if IFLA_LINKINFO in a:
                info, _ = parse_attrs(a[IFLA_LINKINFO], 0)
                if IFLA_INFO_KIND in info:
                    self.link_kind = cstr(info[IFLA_INFO_KIND])
        elif self.type == RTM_NEWPREFIX and len(raw) >= body + PREFIXMSG.size:
            self.kind = "prefix"
            (self.family, _p1, _p2, self.ifindex, self.prefix_type, self.prefixlen,
             self.prefix_flags, _p3) = PREFIXMSG.unpack_from(raw, body)
            self.attrs, self.attr_order = parse_attrs(raw, body + align4(PREFIXMSG.size))
            a = self.attrs
            self.prefix = ip_str(self.family, a[PREFIX_ADDRESS]) if PREFIX_ADDRESS in a else None
            self.prefix_cacheinfo = (struct.unpack_from("=II", a[PREFIX_CACHEINFO])
                                     if PREFIX_CACHEINFO in a else None)
        elif self.type in (NLMSG_DONE, NLMSG_ERROR):
            self.kind = "done" if self.type == NLMSG_DONE else "error"
            self.error = struct.unpack_from("=i", raw, body)[0] if len(raw) >= body + 4 else 0

    def has(self, flag):
        return bool(self.kind == "addr" and self.flags & flag)

    def describe(self, names):
        """One-line, iproute2-flavoured description. names: {ifindex: ifname}."""
        fam = FAMILIES.get(self.family, f"family {self.family}")
        dev = ""
        if self.ifindex is not None:
            name = names.get(self.ifindex)
            dev = f"dev {name} (ifindex {self.ifindex})" if name else f"ifindex {self.ifindex}"
        if self.kind == "addr":
            if self.local is not None and self.address is not None and self.local != self.address:
                where = f"{self.local} peer {self.address}/{self.prefixlen}"
            else:
                where = f"{self.own}/{self.prefixlen}"
            parts = [self.type_name, fam, where]
            if self.broadcast:
                parts.append(f"brd {self.broadcast}")
            parts.append(dev)
            parts.append(f"scope {SCOPES.get(self.scope, self.scope)}")
            fl = " ".join(flag_names(self.flags, IFA_FLAG_NAMES)) or "none"
            src = "IFA_FLAGS" if self.flags_from_attr else "ifa_flags"
            parts.append(f"flags {fl} (0x{self.flags:x} from {src}")
            if self.flags_from_attr and (self.flags & 0xFF) != self.ifa_flags:
                parts[-1] += f"; ifa_flags 0x{self.ifa_flags:02x}"
            parts[-1] += ")"
            if self.label is not None:
                parts.append(f"label {self.label}")
            if self.proto is not None:
                parts.append(f"proto {IFA_PROTOS.get(self.proto, self.proto)}")
            if self.rt_priority is not None:
                parts.append(f"metric {self.rt_priority}")
            if self.cacheinfo:
                parts.append(f"preferred {lifetime_str(self.cacheinfo[0])} "
                             f"valid {lifetime_str(self.cacheinfo[1])}")
            text = " ".join(parts)
        elif self.kind == "link":
            fl = ",".join(flag_names(self.ifi_flags, IFF_NAMES))
            parts = [self.type_name, fam, dev if self.ifname is None else
                     f"{self.ifname} (ifindex {self.ifindex})", f"<{fl}>"]
            parts.append(f"change 0x{self.ifi_change:x}")
            if self.operstate is not None:
                parts.append(f"state {OPERSTATES.get(self.operstate, self.operstate)}")
            if self.carrier is not None:
                parts.append(f"carrier {self.carrier}")
            if self.mtu is not None:
                parts.append(f"mtu {self.mtu}")
            if self.link_kind:
                parts.append(f"kind {self.link_kind}")
            if self.lladdr:
                parts.append(f"link/{ARPHRD.get(self.ifi_type, self.ifi_type)} {self.lladdr}")
            if self.event is not None:
                parts.append(f"event {IFLA_EVENTS.get(self.event, self.event)}")
            text = " ".join(parts)
        elif self.kind == "prefix":
            # Older kernels put IF_PREFIX_ONLINK (0x01) / IF_PREFIX_AUTOCONF
            # (0x02) here; newer ones copy the RA option's raw flag byte
            # (L 0x80, A 0x40, R 0x20, P 0x10).
            pf = self.prefix_flags
            if pf & 0xF0:
                fnames = [n for b, n in ((0x80, "L/onlink"), (0x40, "A/autoconf"),
                                        (0x20, "R/router-address"), (0x10, "P/pd-preferred"))
                         if pf & b]
                what = "raw PIO flags"
            else:
                fnames = [n for b, n in ((IF_PREFIX_ONLINK, "onlink"),
                                        (IF_PREFIX_AUTOCONF, "autoconf")) if pf & b]
                what = "IF_PREFIX_* flags"
            text = (f"{self.type_name} {fam} {self.prefix}/{self.prefixlen} {dev} "
                    f"type {self.prefix_type} prefix_flags 0x{pf:02x} ({what}: "
                    f"{' '.join(fnames) or 'none'})")
            if self.prefix_cacheinfo:
                text += (f" preferred {lifetime_str(self.prefix_cacheinfo[0])}"
                         f" valid {lifetime_str(self.prefix_cacheinfo[1])}")
        elif self.kind in ("done", "error"):
            err = self.error
            text = f"{self.type_name} error {err}"
            if err:
                text += f" ({errno.errorcode.get(-err, '?')}: {os.strerror(-err)})"
        else:
            text = self.type_name
        names_tbl = NLMSG_FLAG_NAMES + (NLMSG_NEW_FLAG_NAMES if self.type in
                                        (RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE)
                                        else NLMSG_GET_FLAG_NAMES)
        nlf = ",".join(flag_names(self.nlflags, names_tbl)) or "0"
        return (f"{text}; nlmsg len {self.len} flags {nlf} seq {self.seq} pid {self.pid}")


# ---------------------------------------------------------------- namespaces

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


def _netns_inode():
    return os.stat("/proc/thread-self/ns/net").st_ino


def netlink_socket_in(ns, port_id=0, groups=()):
    """Create a NETLINK_ROUTE socket that belongs to network namespace `ns`."""
    home_ino = _netns_inode()
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        target = os.open(f"/run/netns/{ns}", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(target)
            try:
                sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
            finally:
                try:
                    _setns(home)
                except OSError as e:
                    # Continuing in the wrong namespace would corrupt every
                    # later step. Give up; atexit still removes the namespaces.
                    print(f"FATAL: cannot return to the original netns: {e}", file=sys.stderr)
                    os._exit(3)
        finally:
            os.close(target)
    finally:
        os.close(home)
    if _netns_inode() != home_ino:
        print("FATAL: thread is not back in its original netns", file=sys.stderr)
        os._exit(3)
    try:
        try:
            sock.setsockopt(socket.SOL_SOCKET, 33, RCVBUF)  # SO_RCVBUFFORCE
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        try:
            sock.bind((port_id, 0))
        except OSError as e:
            if port_id and e.errno == errno.EADDRINUSE:
                sock.bind((0, 0))
            else:
                raise
        for g in groups:
            sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g)
    except BaseException:
        sock.close()
        raise
    return sock


def recv_datagrams(sock, timeout):
    """Wait up to `timeout` for data, then drain. Return [(sender_pid, bytes)]."""
    out = []
    r, _, _ = select.select([sock], [], [], max(timeout, 0))
    if not r:
        return out
    while True:
        try:
            data, _anc, mflags, addr = sock.recvmsg(RECV_SIZE, 0, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return out
        except OSError as e:
            if e.errno == errno.ENOBUFS:
                raise RecorderError("netlink receive buffer overflowed (ENOBUFS): events lost")
            raise
        if mflags & socket.MSG_TRUNC:
            raise RecorderError("netlink datagram truncated (MSG_TRUNC)")
        if not data:
            return out
        out.append((addr[0] if isinstance(addr, tuple) else addr, data))


class Lab:
    """Owns the namespaces of a run, and removes them no matter what."""

    _instances = []

    def __init__(self, verbose=False):
        self.verbose = verbose
        self.namespaces = []
        self.children = []
        self.counter = 0
        Lab._instances.append(self)

    def log(self, text):
        if self.verbose:
            print(f"    {text}", flush=True)

    def new_netns(self):
        self.counter += 1
        name = f"{NS_PREFIX}{os.getpid()}-{self.counter}"
        self.run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        return name

    def run(self, argv, check=True, timeout=20):
        self.log("$ " + " ".join(argv))
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout)
        if check and p.returncode != 0:
            raise RecorderError(f"command failed ({p.returncode}): {' '.join(argv)}\n"
                                f"{p.stderr.strip()}")
        return p

    def ip(self, ns, *args, check=True):
        argv = ["ip", "-n", ns]
        for a in args:
            argv.extend(a.split() if isinstance(a, str) else a)
        return self.run(argv, check=check)

    def sysctl(self, ns, **settings):
        pairs = [f"{k.replace('__', '.')}={v}" for k, v in settings.items()]
        self.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", *pairs])

    def ifconf(self, ns, ifname, **settings):
        """net.ipv6.conf.<if>.* settings; retrans_time_ms is net.ipv6.neigh.<if>.*."""
        self.sysctl(ns, **{f"net.ipv6.{'neigh' if k == 'retrans_time_ms' else 'conf'}"
                           f".{ifname}.{k}": v for k, v in settings.items()})

    def spawn(self, argv):
        self.log("$ " + " ".join(argv) + " &")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.children.append(p)
        return p

    def cleanup(self):
        for p in self.children:
            if p.poll() is None:
                try:
                    p.kill()
                    p.wait(timeout=5)
                except Exception:
                    pass
        self.children.clear()
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", name], stdin=subprocess.DEVNULL,
                           capture_output=True)
            if os.path.exists(f"/run/netns/{name}"):
                print(f"WARNING: could not delete netns {name}", file=sys.stderr)
        self.namespaces.clear()

    @classmethod
    def cleanup_all(cls):
        for lab in cls._instances:
            lab.cleanup()


atexit.register(Lab.cleanup_all)


def remove_stale_namespaces():
    """Delete bwrec-<pid>-* namespaces left by recorder runs that no longer exist."""
    try:
        names = os.listdir("/run/netns")
    except FileNotFoundError:
        return
    for name in names:
        m = re.fullmatch(re.escape(NS_PREFIX) + r"(\d+)-\d+", name)
        if not m or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue  # owner still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        print(f"removing stale namespace {name}", file=sys.stderr)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


# ---------------------------------------------------------------- recording

class Record:
    def __init__(self, raw, sender, t, source):
        self.raw, self.sender, self.t, self.source = raw, sender, t, source
        self.msg = Msg(raw)


class Recorder:
    """Collects events and dump replies of one scenario, in arrival order."""

    def __init__(self, lab):
        self.lab = lab
        self.records = []
        self.comments = {}   # index in records -> comment lines before it
        self.events = None
        self.t0 = time.monotonic()
        self.seq = 0
        self.helper_seq = 1000
        self.foreign = 0
        self.initial_names = {}

    def close(self):
        if self.events is not None:
            self.events.close()
            self.events = None

    def stop(self):
        """Take what is queued, then stop recording events."""
        self.poll(0)
        self.close()

    def listen(self, ns):
        # Interface names when recording starts, so that messages before a
        # rename are described with the old name.
        self.initial_names = link_names(self, ns)
        self.events = netlink_socket_in(ns, groups=GROUPS)
        self.t0 = time.monotonic()
        self.lab.log(f"listening in {ns}")

    def now(self):
        return time.monotonic() - self.t0

    def poll(self, timeout=0.0):
        if self.events is None:
            return 0
        n = 0
        for sender, data in recv_datagrams(self.events, timeout):
            if sender != 0:
                self.foreign += 1   # not from the kernel: ignore
                continue
            t = self.now()
            for raw in split_messages(data):
                self.records.append(Record(raw, sender, t, "event"))
                n += 1
        return n

    def settle(self, seconds):
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.poll(min(left, 0.1))

    def mark(self):
        self.poll(0)
        return len(self.records)

    def wait_for(self, what, pred, timeout=10.0, since=0):
        end = time.monotonic() + timeout
        checked = since
        while True:
            for r in self.records[checked:]:
                if r.source == "event" and pred(r.msg):
                    return r.msg
            checked = len(self.records)
            left = end - time.monotonic()
            if left <= 0:
                seen = "; ".join(r.msg.describe({}) for r in self.records[since:]
                                 if r.source == "event") or "nothing"
                raise RecorderError(f"timed out after {timeout:g}s waiting for {what}; "
                                    f"events seen: {seen}")
            self.poll(min(left, 0.05))

    def dump(self, ns, msg_type, family=AF_UNSPEC, ifindex=0, strict=False, record=True):
        """Send a dump request in `ns`. Return the reply messages (and record them).

        A dump that raced with changes (NLM_F_DUMP_INTR) is repeated, up to 5 times.
        """
        for _attempt in range(5):
            replies = self._dump(ns, msg_type, family, ifindex, strict, record)
            if not any(m.nlflags & NLM_F_DUMP_INTR for m in replies):
                return replies
            self.lab.log("dump interrupted (NLM_F_DUMP_INTR), repeating")
        raise RecorderError("dump kept being interrupted (NLM_F_DUMP_INTR)")

    def _dump(self, ns, msg_type, family, ifindex, strict, record):
        self.poll(0)  # events that arrived before the request come first
        # Recorded dumps use seq 1, 2, ...; helper dumps use 1000 and up.
        if record:
            self.seq += 1
            seq = self.seq
        else:
            self.helper_seq += 1
            seq = self.helper_seq
        if msg_type == RTM_GETADDR:
            body = IFADDRMSG.pack(family, 0, 0, 0, ifindex)
        elif msg_type == RTM_GETLINK:
            body = IFINFOMSG.pack(family, 0, 0, ifindex, 0, 0)
        else:
            raise ValueError(msg_type)
        req = NLMSGHDR.pack(NLMSGHDR.size + len(body), msg_type, NLM_F_REQUEST | NLM_F_DUMP,
                            seq, 0) + body
        sock = netlink_socket_in(ns, port_id=DUMP_PORT_ID)
        try:
            if strict:
                sock.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1)
            sock.sendto(req, (0, 0))
            port = sock.getsockname()[0]
            replies, done = [], False
            end = time.monotonic() + 5
            while not done:
                if time.monotonic() > end:
                    raise RecorderError(f"dump {MSG_TYPES[msg_type]} in {ns}: no NLMSG_DONE")
                for sender, data in recv_datagrams(sock, 0.2):
                    if sender != 0:
                        continue
                    t = self.now()
                    for raw in split_messages(data):
                        m = Msg(raw)
                        if m.seq != seq:
                            continue
                        replies.append(Record(raw, sender, t, "dump"))
                        if m.type in (NLMSG_DONE, NLMSG_ERROR):
                            done = True
        finally:
            sock.close()
        if record and not any(r.msg.nlflags & NLM_F_DUMP_INTR for r in replies):
            desc = (f"--- {MSG_TYPES[msg_type]} dump request: NLM_F_REQUEST|NLM_F_DUMP seq {seq} "
                    f"from port id {port}, family {FAMILIES.get(family, family)}, "
                    f"{'ifa_index' if msg_type == RTM_GETADDR else 'ifi_index'} {ifindex}"
                    f"{', NETLINK_GET_STRICT_CHK=1' if strict else ''}; "
                    f"{len(replies)} reply messages follow ---")
            self.comments.setdefault(len(self.records), []).append(desc)
            self.records.extend(replies)
        return [r.msg for r in replies]


# ---------------------------------------------------------------- helpers

MAC_VETH0 = "02:b0:00:00:00:01"
MAC_VETH1 = "02:b0:00:00:00:02"
MAC_VETH2 = "02:b0:00:00:00:03"
MAC_VETH3 = "02:b0:00:00:00:04"


def link_names(rec, ns):
    return {m.ifindex: m.ifname for m in rec.dump(ns, RTM_GETLINK, record=False)
            if m.kind == "link"}


def wait_link_local(rec, ns, ifname, timeout=10.0):
    """Wait until `ifname` in `ns` has a link-local address that finished DAD."""
    end = time.monotonic() + timeout
    while True:
        idx = {v: k for k, v in link_names(rec, ns).items()}.get(ifname)
        for m in rec.dump(ns, RTM_GETADDR, family=AF_INET6, record=False):
            if (m.kind == "addr" and m.ifindex == idx and m.scope == 253
                    and not m.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)):
                return m.own
        if time.monotonic() > end:
            raise RecorderError(f"{ifname} in {ns}: no finished link-local address "
                                f"after {timeout:g}s")
        time.sleep(0.05)


def setup_pair(lab, rec, rx=None, tx=None, up=True, extra_pair=False):
    """Recorded netns with lo + veth0, peer netns with veth1 (and veth3).

    Fast DAD on veth0 (1 probe, 200 ms); no DAD on the peer. rx/tx are extra
    net.ipv6.conf.<if>.* settings for veth0/veth1. extra_pair adds veth2 in
    the recorded netns, peered with veth3, left down. Returns (ns, peer, names).
    """
    ns, peer = lab.new_netns(), lab.new_netns()
    lab.ip(ns, "link set lo up")
    lab.ip(peer, "link set lo up")
    lab.ip(ns, f"link add veth0 address {MAC_VETH0} type veth peer name veth1 "
               f"address {MAC_VETH1} netns {peer}")
    lab.ifconf(ns, "veth0", dad_transmits=1, retrans_time_ms=200, **(rx or {}))
    lab.ifconf(peer, "veth1", dad_transmits=0, accept_ra=0, **(tx or {}))
    if extra_pair:
        lab.ip(ns, f"link add veth2 address {MAC_VETH2} type veth peer name veth3 "
                   f"address {MAC_VETH3} netns {peer}")
        lab.ifconf(ns, "veth2", dad_transmits=1, retrans_time_ms=200)
    if up:
        lab.ip(peer, "link set veth1 up")
        lab.ip(ns, "link set veth0 up")
        wait_link_local(rec, ns, "veth0")
    return ns, peer, link_names(rec, ns)


def expect(cond, text):
    if not cond:
        raise RecorderError("expectation failed: " + text)


def addr_is(m, types, own=None, ifindex=None):
    if m.kind != "addr" or m.type not in types:
        return False
    if own is not None and m.own != own:
        return False
    return ifindex is None or m.ifindex == ifindex


ADDR_TYPES = (RTM_NEWADDR, RTM_DELADDR)
LINK_TYPES = (RTM_NEWLINK, RTM_DELLINK)


def index_of(names, ifname):
    for k, v in names.items():
        if v == ifname:
            return k
    raise RecorderError(f"no interface {ifname}")


def only(ifindex, types=ADDR_TYPES, addresses=None):
    """Filter for events: given types on ifindex, optionally only given addresses."""
    def keep(m):
        if m.type not in types or m.ifindex != ifindex:
            return False
        return addresses is None or m.kind != "addr" or m.own in addresses
    return keep


def differs_only_in_cacheinfo(m1, m2):
    """Compare two RTM_NEWADDR messages ignoring IFA_CACHEINFO."""
    def strip(m):
        return (m.raw[:NLMSGHDR.size], m.raw[NLMSGHDR.size:NLMSGHDR.size + IFADDRMSG.size],
                [(t, m.attrs[t]) for t in m.attr_order if t != IFA_CACHEINFO])
    return strip(m1) == strip(m2) and m1.cacheinfo != m2.cacheinfo


# ---------------------------------------------------------------- scenarios
# Each scenario returns (description_lines, notes, keep) where keep is a
# predicate for *event* messages (dump replies are always kept whole).

SCENARIOS = {}


def scenario(name):
    def deco(fn):
        SCENARIOS[name] = fn
        return fn
    return deco


@scenario("ipv6-manual-dad-success")
def sc_dad_success(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    addr = "2001:db8:10::1"
    rec.listen(ns)
    lab.ip(ns, f"addr add {addr}/64 dev veth0")
    rec.wait_for("RTM_NEWADDR without tentative",
                 lambda m: addr_is(m, [RTM_NEWADDR], addr) and not m.has(IFA_F_TENTATIVE))
    rec.settle(0.5)
    keep = only(v0, addresses={addr})
    kept_r = [r for r in rec.records if keep(r.msg)]
    kept = [r.msg for r in kept_r]
    expect(len(kept) == 2, f"2 messages, got {len(kept)}")
    expect(kept[0].has(IFA_F_TENTATIVE), "first is tentative")
    expect(not kept[1].has(IFA_F_TENTATIVE), "second is not tentative")
    return ([f"`ip addr add {addr}/64 dev veth0` on an up veth (DAD: dad_transmits=1, "
             "retrans_time_ms=200).",
             "Expect RTM_NEWADDR flagged tentative at once, then RTM_NEWADDR without "
             "tentative when DAD succeeds."],
            [f"The two announcements were {kept_r[1].t - kept_r[0].t:.3f}s apart (DAD "
             "includes a random delay of up to 1 s, router_solicitation_delay)."], keep)


@scenario("ipv6-nodad")
def sc_nodad(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    addr = "2001:db8:11::1"
    rec.listen(ns)
    lab.ip(ns, f"addr add {addr}/64 dev veth0 nodad")
    rec.wait_for("RTM_NEWADDR", lambda m: addr_is(m, [RTM_NEWADDR], addr))
    rec.settle(1.0)
    keep = only(v0, addresses={addr})
    kept = [r.msg for r in rec.records if keep(r.msg)]
    expect(len(kept) == 1, f"1 message, got {len(kept)}")
    expect(kept[0].has(IFA_F_NODAD) and not kept[0].has(IFA_F_TENTATIVE),
           "nodad and not tentative")
    return ([f"`ip addr add {addr}/64 dev veth0 nodad`: a single RTM_NEWADDR, nodad, "
             "never tentative (nothing else for 1 s)."], [], keep)


@scenario("ipv6-dadfailed")
def sc_dadfailed(lab, rec):
    ns, peer, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    addr = "2001:db8:20::1"
    lab.ip(peer, f"addr add {addr}/64 dev veth1 nodad")
    rec.listen(ns)
    lab.ip(ns, f"addr add {addr}/64 dev veth0")
    rec.wait_for("RTM_NEWADDR dadfailed",
                 lambda m: addr_is(m, [RTM_NEWADDR], addr) and m.has(IFA_F_DADFAILED))
    rec.settle(1.0)
    keep = only(v0, addresses={addr})
    kept = [r.msg for r in rec.records if keep(r.msg)]
    expect(len(kept) >= 2, f">= 2 messages, got {len(kept)}")
    expect(kept[0].has(IFA_F_TENTATIVE) and not kept[0].has(IFA_F_DADFAILED),
           "first is tentative only")
    expect(kept[-1].has(IFA_F_DADFAILED) and kept[-1].has(IFA_F_TENTATIVE),
           "last is dadfailed tentative")
    expect(not any(m.type == RTM_DELADDR for m in kept), "no RTM_DELADDR")
    return ([f"The peer namespace holds {addr}/64 on veth1 (nodad, working). Then "
             f"`ip addr add {addr}/64 dev veth0` here.",
             "Expect RTM_NEWADDR tentative, then RTM_NEWADDR dadfailed tentative. The "
             "address stays in the table (no RTM_DELADDR within 1 s)."], [], keep)


@scenario("ipv6-deprecated")
def sc_deprecated(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    addr = "2001:db8:30::1"
    rec.listen(ns)
    lab.ip(ns, f"addr add {addr}/64 dev veth0 nodad valid_lft 3600 preferred_lft 1800")
    rec.wait_for("RTM_NEWADDR", lambda m: addr_is(m, [RTM_NEWADDR], addr))
    mark = rec.mark()
    lab.ip(ns, f"addr change {addr}/64 dev veth0 nodad valid_lft 3600 preferred_lft 0")
    rec.wait_for("RTM_NEWADDR deprecated",
                 lambda m: addr_is(m, [RTM_NEWADDR], addr) and m.has(IFA_F_DEPRECATED),
                 since=mark)
    rec.settle(0.5)
    keep = only(v0, addresses={addr})
    kept = [r.msg for r in rec.records if keep(r.msg)]
    expect(len(kept) == 2, f"2 messages, got {len(kept)}")
    expect(not kept[0].has(IFA_F_DEPRECATED) and kept[1].has(IFA_F_DEPRECATED),
           "second (only) deprecated")
    return ([f"`ip addr add {addr}/64 dev veth0 nodad valid_lft 3600 preferred_lft 1800`, "
             f"then `ip addr change {addr}/64 dev veth0 nodad valid_lft 3600 "
             "preferred_lft 0`.",
             "Expect RTM_NEWADDR (not permanent: has lifetimes), then RTM_NEWADDR with "
             "deprecated and preferred 0."], [], keep)


@scenario("ipv6-lifetime-repeat")
def sc_lifetime_repeat(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    addr = "2001:db8:40::1"
    lab.ip(ns, f"addr add {addr}/64 dev veth0 nodad valid_lft 2000 preferred_lft 1000")
    rec.listen(ns)
    lab.ip(ns, f"addr change {addr}/64 dev veth0 nodad valid_lft 1000 preferred_lft 500")
    rec.wait_for("first RTM_NEWADDR", lambda m: addr_is(m, [RTM_NEWADDR], addr))
    time.sleep(1.1)
    mark = rec.mark()
    lab.ip(ns, f"addr change {addr}/64 dev veth0 nodad valid_lft 900 preferred_lft 400")
    rec.wait_for("second RTM_NEWADDR", lambda m: addr_is(m, [RTM_NEWADDR], addr), since=mark)
    rec.settle(0.5)
    keep = only(v0, addresses={addr})
    kept = [r.msg for r in rec.records if keep(r.msg)]
    expect(len(kept) == 2, f"2 messages, got {len(kept)}")
    same = differs_only_in_cacheinfo(kept[0], kept[1])
    expect(same, "the two messages differ only in IFA_CACHEINFO")
    c0, c1 = kept[0].cacheinfo, kept[1].cacheinfo
    return ([f"{addr}/64 on veth0 (added nodad, before recording), then two "
             "`ip addr change` calls that change only the lifetimes: valid 1000 preferred "
             "500, then (1.1 s later) valid 900 preferred 400.",
             "Expect two RTM_NEWADDR messages that are identical except for IFA_CACHEINFO."],
            ["Checked: nlmsghdr, ifaddrmsg and every attribute except IFA_CACHEINFO are "
             "byte-identical.",
             f"IFA_CACHEINFO (prefered, valid, cstamp, tstamp): {c0} then {c1}. cstamp "
             "and tstamp are in 1/100 s since boot; tstamp moves on every change."], keep)


@scenario("ipv6-high-flags")
def sc_high_flags(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    a1, a2 = "2001:db8:50::1", "2001:db8:51::1"
    rec.listen(ns)
    lab.ip(ns, f"addr add {a1}/64 dev veth0 mngtmpaddr noprefixroute")
    rec.wait_for(f"{a1} after DAD",
                 lambda m: addr_is(m, [RTM_NEWADDR], a1) and not m.has(IFA_F_TENTATIVE))
    lab.ip(ns, f"addr add {a2}/64 dev veth0 home nodad")
    rec.wait_for(f"{a2}", lambda m: addr_is(m, [RTM_NEWADDR], a2))
    rec.settle(0.5)
    keep = only(v0, addresses={a1, a2})
    kept = [r.msg for r in rec.records if keep(r.msg)]
    for m in kept:
        expect(m.flags_from_attr, "IFA_FLAGS present")
        if m.own == a1:
            expect(m.has(IFA_F_MANAGETEMPADDR) and m.has(IFA_F_NOPREFIXROUTE),
                   "mngtmpaddr noprefixroute in IFA_FLAGS")
            expect(m.ifa_flags == m.flags & 0xFF, "ifa_flags holds the low 8 bits")
        else:
            expect(m.has(IFA_F_HOMEADDRESS), "home")
    return ([f"`ip addr add {a1}/64 dev veth0 mngtmpaddr noprefixroute` (with DAD: "
             "tentative, then final), then",
             f"`ip addr add {a2}/64 dev veth0 home nodad`.",
             "mngtmpaddr (0x100) and noprefixroute (0x200) appear only in the IFA_FLAGS "
             "u32; ifaddrmsg.ifa_flags carries just the low 8 bits."], [], keep)


@scenario("ipv6-optimistic-slaac")
def sc_optimistic(lab, rec):
    ns, peer, names = setup_pair(lab, rec, rx=dict(optimistic_dad=1, accept_ra=1,
                                                   forwarding=0))
    v0 = index_of(names, "veth0")
    # The link-local address finished DAD quickly. Now slow DAD down to 3 x 1 s
    # so the SLAAC address stays optimistic for about 3 s.
    lab.ifconf(ns, "veth0", dad_transmits=3, retrans_time_ms=1000)
    prefix = "2001:db8:1::"
    mac = bytes(int(x, 16) for x in MAC_VETH0.split(":"))
    eui = bytes([mac[0] ^ 2]) + mac[1:3] + b"\xff\xfe" + mac[3:]
    slaac = str(ipaddress.IPv6Address(ipaddress.IPv6Address(prefix).packed[:8] + eui))
    rec.listen(ns)
    sender = lab.spawn(["ip", "netns", "exec", peer, sys.executable, str(RA_SENDER),
                        "--interface", "veth1", "--prefix", prefix, "--prefix-length", "64",
                        "--valid", "86400", "--preferred", "14400", "--router-lifetime", "0",
                        "--quiet"])
    pm = rec.wait_for("RTM_NEWPREFIX", lambda m: m.kind == "prefix", timeout=15)
    t_prefix = rec.now()
    dump = rec.dump(ns, RTM_GETADDR)
    try:
        out, err = sender.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        sender.kill()
        raise RecorderError("RA sender hung")
    if sender.returncode != 0:
        raise RecorderError(f"RA sender failed: {err.strip()}")
    final = rec.wait_for("SLAAC RTM_NEWADDR without tentative",
                         lambda m: addr_is(m, [RTM_NEWADDR], slaac)
                         and not m.has(IFA_F_TENTATIVE), timeout=15)
    rec.settle(1.0)
    keep = lambda m: (m.kind == "prefix" or m.type in ADDR_TYPES) and m.ifindex == v0
    in_dump = [m for m in dump if m.kind == "addr" and m.own == slaac]
    expect(len(in_dump) == 1, "SLAAC address in the dump")
    d = in_dump[0]
    expect(d.has(IFA_F_OPTIMISTIC) and d.has(IFA_F_TENTATIVE),
           "dump shows the SLAAC address optimistic tentative")
    expect(pm.prefix == "2001:db8:1::" and pm.prefixlen == 64, "prefix in RTM_NEWPREFIX")
    events = [r for r in rec.records if r.source == "event" and keep(r.msg)]
    slaac_events = [r for r in events if r.msg.kind == "addr" and r.msg.own == slaac]
    early = [r for r in slaac_events if r.msg.has(IFA_F_TENTATIVE)]
    other = [r for r in events if r.msg.kind == "addr" and r.msg.own != slaac]
    t_final = next(r.t for r in slaac_events if r.msg is final)
    notes = [
        f"Arrived: RTM_NEWPREFIX {pm.prefix}/{pm.prefixlen} at +{t_prefix:.3f}s, then the "
        f"first RTM_NEWADDR for {slaac} at +{slaac_events[0].t:.3f}s, flagged "
        f"'{' '.join(flag_names(slaac_events[0].msg.flags, IFA_FLAG_NAMES))}' "
        f"({len(slaac_events)} RTM_NEWADDR for it in total).",
        ("Not arrived: no RTM_NEWADDR while the address was optimistic/tentative "
         "(use_optimistic=0). Only the dump taken right after RTM_NEWPREFIX shows it, as "
         "'optimistic tentative'." if not early else
         f"NOTE: {len(early)} RTM_NEWADDR arrived while the address was still tentative."),
        f"The dump (+{t_prefix:.3f}s) shows {slaac} with flags "
        f"'{' '.join(flag_names(d.flags, IFA_FLAG_NAMES))}'. DAD ended at "
        f"+{t_final:.3f}s.",
        "Not recorded because we do not subscribe: RTM_NEWROUTE for the prefix route, and "
        "RTM_NEWLINK inet6 (RTNLGRP_IPV6_IFINFO).",
    ]
    if other:
        notes.append("Other address events on veth0: " +
                     "; ".join(r.msg.describe(names) for r in other))
    return ([f"SLAAC address from a router advertisement, optimistic DAD. veth0: "
             "optimistic_dad=1 accept_ra=1 forwarding=0 dad_transmits=3 "
             "retrans_time_ms=1000 (use_optimistic=0). veth1 (peer netns): accept_ra=0.",
             f"The peer sends one RA with scripts/send-router-advertisement.py: prefix "
             f"{prefix}/64, A and L flags, valid 86400, preferred 14400, router lifetime 0, "
             f"source link-layer address {MAC_VETH1}.",
             f"Expected SLAAC address: {slaac}. An RTM_GETADDR dump (AF_UNSPEC) was taken "
             "right after RTM_NEWPREFIX arrived."], notes, keep)


@scenario("ipv4-peer")
def sc_ipv4_peer(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    rec.listen(ns)
    lab.ip(ns, "addr add 10.9.9.1 peer 10.9.9.2/32 dev veth0")
    m1 = rec.wait_for("peer address", lambda m: addr_is(m, [RTM_NEWADDR], "10.9.9.1"))
    lab.ip(ns, "addr add 192.0.2.1/24 dev veth0 label veth0:web")
    m2 = rec.wait_for("labelled address", lambda m: addr_is(m, [RTM_NEWADDR], "192.0.2.1"))
    rec.settle(0.5)
    keep = only(v0, types=(RTM_NEWADDR, RTM_DELADDR))
    expect(m1.local == "10.9.9.1" and m1.address == "10.9.9.2", "IFA_LOCAL != IFA_ADDRESS")
    expect(m2.local == m2.address == "192.0.2.1", "IFA_LOCAL == IFA_ADDRESS")
    expect(m2.label == "veth0:web", "label veth0:web")
    kept = [r for r in rec.records if keep(r.msg)]
    expect(all(r.sender == 0 for r in kept), "sender port id 0")
    return (["`ip addr add 10.9.9.1 peer 10.9.9.2/32 dev veth0` (IFA_LOCAL 10.9.9.1, "
             "IFA_ADDRESS 10.9.9.2), then",
             "`ip addr add 192.0.2.1/24 dev veth0 label veth0:web` (IFA_LOCAL == "
             "IFA_ADDRESS, IFA_LABEL veth0:web)."],
            [f"The sender (recvmsg msg_name nl_pid) was 0, the kernel, for every message. "
             f"nlmsg_pid is the requesting ip process's port id ({m1.pid} and {m2.pid}) and "
             f"nlmsg_seq is its sequence number ({m1.seq}, {m2.seq}). They are kept as "
             "recorded."], keep)


@scenario("link-rename")
def sc_link_rename(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    lab.ip(ns, "addr add 198.51.100.1/24 dev veth0")
    lab.ip(ns, "addr add 198.51.100.2/24 dev veth0 label veth0:web")
    lab.ip(ns, "addr add 203.0.113.7/24 dev veth0")
    rec.listen(ns)
    lab.ip(ns, "link set veth0 down")
    rec.wait_for("RTM_NEWLINK down", lambda m: m.kind == "link" and m.ifindex == v0
                 and not m.ifi_flags & IFF_UP)
    rec.settle(0.5)
    mark = rec.mark()
    lab.ip(ns, "link set veth0 name uplink0")
    rec.wait_for("RTM_NEWLINK uplink0", lambda m: m.kind == "link" and m.ifname == "uplink0",
                 since=mark)
    rec.settle(1.0)
    keep = only(v0, types=LINK_TYPES + ADDR_TYPES)
    after = [r.msg for r in rec.records[mark:] if keep(r.msg)]
    relabel = [m for m in after if m.type == RTM_NEWADDR]
    labels = sorted((m.own, m.label) for m in relabel)
    expect(len(relabel) == 3, f"3 IPv4 re-announcements, got {len(relabel)}")
    # Check whether a rename while up is allowed (not part of the fixture).
    rec.stop()
    lab.ip(ns, "link set uplink0 up")
    live = lab.ip(ns, "link set uplink0 name uplink1", check=False)
    live_note = ("Renaming while up (checked afterwards, not recorded): "
                 + ("allowed." if live.returncode == 0
                    else f"refused: {live.stderr.strip()}"))
    return (["veth0 is up, with IPv4 198.51.100.1/24, 198.51.100.2/24 label veth0:web and "
             "203.0.113.7/24.",
             "`ip link set veth0 down`, then `ip link set veth0 name uplink0`.",
             "Expect RTM_NEWLINK (down), RTM_DELADDR for the IPv6 link-local, RTM_NEWLINK "
             "with IFLA_IFNAME uplink0, and RTM_NEWADDR re-announcing every IPv4 address "
             "with a relabelled IFA_LABEL."],
            ["Labels after the rename: " + ", ".join(f"{a} -> {l}" for a, l in labels) + ".",
             "The kernel relabels the first address <name>, keeps ':suffix' labels, and "
             "gives the others, which had no ':', the label <name>:<n>.",
             live_note], keep)


@scenario("link-down-up")
def sc_link_down_up(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    lab.ip(ns, "addr add 2001:db8:60::1/64 dev veth0 nodad")
    lab.ip(ns, "addr add 203.0.113.1/24 dev veth0")
    rec.listen(ns)
    lab.ip(ns, "link set veth0 down")
    rec.wait_for("RTM_DELADDR 2001:db8:60::1",
                 lambda m: addr_is(m, [RTM_DELADDR], "2001:db8:60::1"))
    rec.settle(0.5)
    mark = rec.mark()
    lab.ip(ns, "link set veth0 up")

    # When does the link-local address appear? Helper dumps (not recorded),
    # taken right after the first RTM_NEWLINK with UP and right after the one
    # with RUNNING.
    def lls():
        return [f"{m.own} ({' '.join(flag_names(m.flags, IFA_FLAG_NAMES))})"
                for m in rec.dump(ns, RTM_GETADDR, family=AF_INET6, record=False)
                if m.kind == "addr" and m.ifindex == v0 and m.scope == 253]
    rec.wait_for("RTM_NEWLINK with UP", lambda m: m.kind == "link" and m.ifindex == v0
                 and m.ifi_flags & IFF_UP, since=mark)
    t_up, ll_at_up = rec.now(), lls()
    rec.wait_for("RTM_NEWLINK with RUNNING", lambda m: m.kind == "link" and m.ifindex == v0
                 and m.ifi_flags & 0x40, since=mark)
    t_run, ll_at_running = rec.now(), lls()
    ll = rec.wait_for("link-local RTM_NEWADDR after DAD",
                      lambda m: m.kind == "addr" and m.type == RTM_NEWADDR and m.scope == 253
                      and not m.has(IFA_F_TENTATIVE), since=mark)
    rec.settle(1.0)
    keep = only(v0, types=LINK_TYPES + ADDR_TYPES)
    kept = [r.msg for r in rec.records if keep(r.msg)]
    expect(not any(m.type == RTM_DELADDR and m.family == AF_INET for m in kept),
           "IPv4 address not deleted")
    expect(not any(m.type == RTM_NEWADDR and m.own == "2001:db8:60::1" for m in kept),
           "manual IPv6 address not restored")
    return (["veth0 (up) has 2001:db8:60::1/64 (nodad), 203.0.113.1/24 and its link-local "
             "address.",
             "`ip link set veth0 down`: RTM_NEWLINK without UP, and RTM_DELADDR for the "
             "IPv6 addresses (the IPv4 address stays, with no message).",
             "`ip link set veth0 up`: RTM_NEWLINK with UP, then, after DAD, RTM_NEWADDR for "
             f"the link-local {ll.own} only. The manual IPv6 address does not come back."],
            ["Helper dumps, not recorded: link-local addresses on veth0 right after the first "
             f"RTM_NEWLINK with UP (+{t_up:.3f}s): {ll_at_up or 'none'}; right after the "
             f"RTM_NEWLINK with RUNNING / operstate UP (+{t_run:.3f}s): "
             f"{ll_at_running or 'none'}."], keep)


@scenario("link-delete")
def sc_link_delete(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    v0 = index_of(names, "veth0")
    lab.ip(ns, "addr add 192.0.2.1/24 dev veth0")
    lab.ip(ns, "addr add 2001:db8:80::1/64 dev veth0 nodad")
    rec.listen(ns)
    lab.ip(ns, "link del veth0")
    rec.wait_for("RTM_DELLINK", lambda m: m.type == RTM_DELLINK and m.ifindex == v0)
    rec.settle(1.0)
    keep = only(v0, types=LINK_TYPES + ADDR_TYPES)
    kept = [r.msg for r in rec.records if keep(r.msg)]
    dels = {m.own for m in kept if m.type == RTM_DELADDR}
    expect({"192.0.2.1", "2001:db8:80::1"} <= dels, f"RTM_DELADDR for both, got {dels}")
    last_del = max(i for i, m in enumerate(kept) if m.type == RTM_DELADDR)
    dellink = [i for i, m in enumerate(kept) if m.type == RTM_DELLINK]
    expect(dellink and dellink[0] > last_del, "RTM_DELLINK after the RTM_DELADDRs")
    return (["veth0 (up) has 192.0.2.1/24, 2001:db8:80::1/64 (nodad) and a link-local "
             "address. `ip link del veth0`.",
             "Expect RTM_DELADDR for each address, then RTM_DELLINK."], [], keep)


@scenario("dump-addresses")
def sc_dump_addresses(lab, rec):
    ns, _, names = setup_pair(lab, rec)
    lab.ip(ns, "addr add 192.0.2.10/24 dev veth0")
    lab.ip(ns, "addr add 10.9.9.1 peer 10.9.9.2/32 dev veth0")
    lab.ip(ns, "addr add 2001:db8:70::1/64 dev veth0 nodad")
    lab.ip(ns, "addr add 2001:db8:72::1 peer 2001:db8:72::2/128 dev veth0 nodad")
    lab.ifconf(ns, "veth0", dad_transmits=50)   # keeps the next address tentative ~10 s
    lab.ip(ns, "addr add 2001:db8:71::1/64 dev veth0")
    replies = rec.dump(ns, RTM_GETADDR)
    addrs = [m for m in replies if m.kind == "addr"]
    expect(replies[-1].type == NLMSG_DONE, "ends with NLMSG_DONE")
    expect(all(m.nlflags & NLM_F_MULTI for m in replies), "every reply has NLM_F_MULTI")
    tent = [m for m in addrs if m.own == "2001:db8:71::1"]
    expect(tent and tent[0].has(IFA_F_TENTATIVE), "2001:db8:71::1 tentative")
    owns = {m.own for m in addrs}
    for a in ("127.0.0.1", "::1", "192.0.2.10", "10.9.9.1", "2001:db8:70::1",
              "2001:db8:72::1"):
        expect(a in owns, f"{a} in dump")
    return (["RTM_GETADDR dump (AF_UNSPEC, not strict) of a namespace with lo (127.0.0.1/8, "
             "::1/128) and veth0 with 192.0.2.10/24, 10.9.9.1 peer 10.9.9.2/32,",
             "2001:db8:70::1/64 (nodad), 2001:db8:72::1 peer 2001:db8:72::2/128 (nodad), "
             "2001:db8:71::1/64 (still tentative: dad_transmits=50) and its link-local "
             "address.",
             "All replies carry NLM_F_MULTI; the last message is NLMSG_DONE. nlmsg_pid is "
             "the requesting socket's port id."],
            [f"{len(addrs)} RTM_NEWADDR + NLMSG_DONE. IPv4 comes first (all interfaces), "
             "then IPv6."], lambda m: False)


@scenario("dump-links")
def sc_dump_links(lab, rec):
    ns, _, names = setup_pair(lab, rec, extra_pair=True)
    replies = rec.dump(ns, RTM_GETLINK)
    links = [m for m in replies if m.kind == "link"]
    expect(replies[-1].type == NLMSG_DONE, "ends with NLMSG_DONE")
    expect({m.ifname for m in links} == {"lo", "veth0", "veth2"},
           f"lo, veth0, veth2; got {[m.ifname for m in links]}")
    return (["RTM_GETLINK dump (AF_UNSPEC, no IFLA_EXT_MASK) of a namespace with lo (up), "
             "veth0 (up, peer up) and veth2 (down). Replies are NLM_F_MULTI RTM_NEWLINK "
             "messages, then NLMSG_DONE."],
            [f"{len(links)} RTM_NEWLINK + NLMSG_DONE."], lambda m: False)


@scenario("dump-strict-ifindex")
def sc_dump_strict(lab, rec):
    ns, _, names = setup_pair(lab, rec, extra_pair=True)
    v0, v2 = index_of(names, "veth0"), index_of(names, "veth2")
    lab.ip(ns, "addr add 192.0.2.1/24 dev veth0")
    lab.ip(ns, "addr add 2001:db8:90::1/64 dev veth0 nodad")
    lab.ip(ns, "addr add 198.51.100.1/24 dev veth2")
    lab.ip(ns, "addr add 2001:db8:91::1/64 dev veth2 nodad")
    # For comparison (not recorded): the same request without strict checking.
    loose = rec.dump(ns, RTM_GETADDR, ifindex=v0, record=False)
    loose_if = sorted({m.ifindex for m in loose if m.kind == "addr"})
    replies = rec.dump(ns, RTM_GETADDR, ifindex=v0, strict=True)
    addrs = [m for m in replies if m.kind == "addr"]
    expect(replies[-1].type == NLMSG_DONE, "ends with NLMSG_DONE")
    expect(addrs and all(m.ifindex == v0 for m in addrs), "only veth0's addresses")
    filtered = all(m.nlflags & NLM_F_DUMP_FILTERED for m in addrs)
    done_flags = replies[-1].nlflags
    return ([f"A strict RTM_GETADDR dump: NETLINK_GET_STRICT_CHK=1 on the socket, "
             f"family AF_UNSPEC, ifa_index {v0} (veth0). The namespace also has lo and "
             f"veth2 (ifindex {v2}) with addresses 198.51.100.1/24 and 2001:db8:91::1/64.",
             f"Confirmed: only veth0's (ifindex {v0}) addresses come back "
             f"({len(addrs)} RTM_NEWADDR), then NLMSG_DONE."],
            [f"NLM_F_DUMP_FILTERED on every RTM_NEWADDR reply: "
             f"{'yes' if filtered else 'no'}. NLMSG_DONE nlmsg flags 0x{done_flags:x}.",
             f"For comparison, the same request without strict checking ignores ifa_index "
             f"and returns addresses of ifindexes {loose_if} (not recorded)."],
            lambda m: False)


# ---------------------------------------------------------------- output

def write_fixture(path, name, description, notes, rec, keep, names):
    kernel = os.uname().release
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [f"# {name}: {description[0]}"] + [f"# {d}" for d in description[1:]]
    lines.append(f"# recorded from kernel {kernel} on {date} by "
                 "scripts/record-netlink-fixtures.py")
    for n in notes:
        lines.append(f"# {n}")
    dropped = {}
    names = dict(names)
    kept = 0
    for i, r in enumerate(rec.records):
        m = r.msg
        if m.kind == "link" and m.ifname:
            names[m.ifindex] = m.ifname
        for c in rec.comments.get(i, []):
            lines.append(f"# {c}")
        if r.source == "event" and not keep(m):
            key = m.type_name + (f" ifindex {m.ifindex}" if m.ifindex is not None else "")
            dropped[key] = dropped.get(key, 0) + 1
            continue
        src = "event" if r.source == "event" else "dump reply"
        lines.append(f"# {m.describe(names)}; {src} +{r.t:.3f}s")
        lines.append(r.raw.hex())
        kept += 1
    if dropped:
        # Documented after the header: what the recorder filtered out.
        info = ", ".join(f"{k} x{v}" for k, v in sorted(dropped.items()))
        lines.insert(len(description) + 1 + len(notes),
                     f"# Filtered out as unrelated to this scenario: {info}.")
    text = "\n".join(lines) + "\n"
    # Double-check the file parses back into exactly the kept messages.
    parsed = [bytes.fromhex(l) for l in text.splitlines() if l and not l.startswith("#")]
    expect(len(parsed) == kept, "fixture parses back")
    for raw in parsed:
        expect(NLMSGHDR.unpack_from(raw, 0)[0] == len(raw), "nlmsg_len matches the line")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return kept


def run_scenario(name, outdir, verbose):
    lab = Lab(verbose)
    rec = Recorder(lab)
    try:
        description, notes, keep = SCENARIOS[name](lab, rec)
        rec.poll(0)
        if rec.foreign:
            notes = notes + [f"Ignored {rec.foreign} datagrams not sent by the kernel."]
        path = outdir / f"{name}.nlhex"
        names = rec.initial_names or link_names(rec, lab.namespaces[0])
        n = write_fixture(path, name, description, notes, rec, keep, names)
        return path, n
    finally:
        rec.close()
        lab.cleanup()


def _signal_exit(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv):
    p = argparse.ArgumentParser(description="Record rtnetlink fixtures from the running "
                                "kernel (needs root).")
    p.add_argument("-s", "--scenario", action="append", choices=sorted(SCENARIOS),
                   help="run only this scenario (repeatable)")
    p.add_argument("-o", "--output-dir", type=Path, default=DEFAULT_OUTPUT)
    p.add_argument("--list", action="store_true", help="list scenarios and exit")
    p.add_argument("-v", "--verbose", action="store_true", help="show commands and messages")
    args = p.parse_args(argv)
    if args.list:
        print("\n".join(SCENARIOS))
        return 0
    if os.geteuid() != 0:
        print("error: needs root (network namespaces, raw sockets)", file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _signal_exit)
    remove_stale_namespaces()
    args.output_dir.mkdir(parents=True, exist_ok=True)
    failed = []
    for name in args.scenario or list(SCENARIOS):
        print(f"{name} ...", flush=True)
        t = time.monotonic()
        try:
            path, n = run_scenario(name, args.output_dir, args.verbose)
        except (RecorderError, OSError, subprocess.SubprocessError) as e:
            print(f"  FAILED: {e}", file=sys.stderr, flush=True)
            failed.append(name)
            continue
        print(f"  wrote {path} ({n} messages, {time.monotonic() - t:.1f}s)", flush=True)
        if args.verbose:
            for line in path.read_text().splitlines():
                if line.startswith("#"):
                    print("    " + line)
    if failed:
        print(f"{len(failed)} scenario(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        Lab.cleanup_all()
