#!/usr/bin/env python3
"""Send ICMPv6 Router Advertisements out of one interface (stdlib only, needs root).

Each advertisement goes to ff02::1 with hop limit 255 through a raw ICMPv6
socket. It carries a Prefix Information option (on-link L and autonomous A
flags set) and a Source Link-Layer Address option with the sending
interface's MAC, read from /sys/class/net/IF/address. Without that second
option the receiver's SLAAC address is only tentative, never optimistic.

Usage (run it in the namespace that owns the sending interface):

    ip netns exec NS python3 scripts/send-router-advertisement.py \\
        --interface veth1 --prefix 2001:db8:1:: --prefix-length 64 \\
        [--valid 86400] [--preferred 14400] [--router-lifetime 0] \\
        [--count 1] [--interval 1.0] [--wait-source 5] [--no-source-lladdr]

The receiving interface needs net.ipv6.conf.IF.accept_ra=1 with forwarding=0.
For an optimistic address it also needs optimistic_dad=1. dad_transmits=N
keeps DAD, and so the optimistic state, running for about N seconds.
On the sending side, set accept_ra=0.
Multicast loopback is switched off, so the sending host does not process its
own RA.

The kernel accepts an RA only from a link-local source. The script waits up
to --wait-source seconds until the interface has a usable link-local address,
meaning one that is neither tentative (unless it is optimistic) nor dadfailed.
It then binds to that address.

Exit status: 0 when every advertisement was sent, 1 on a runtime error,
and 2 on a usage error.
"""

import argparse
import errno
import ipaddress
import os
import socket
import struct
import sys
import time

ICMPV6_ROUTER_ADVERTISEMENT = 134
ND_OPT_SOURCE_LINKADDR = 1
ND_OPT_PREFIX_INFORMATION = 3
PREFIX_FLAG_ONLINK = 0x80  # L
PREFIX_FLAG_AUTONOMOUS = 0x40  # A
ALL_NODES = "ff02::1"
INFINITY = 0xFFFFFFFF

# Flags in /proc/net/if_inet6 (same bits as IFA_F_*).
IFA_F_OPTIMISTIC = 0x04
IFA_F_DADFAILED = 0x08
IFA_F_TENTATIVE = 0x40
IPV6_ADDR_SCOPE_LINK = 0x20


class Failure(Exception):
    """A runtime error, reported without a traceback."""


def lifetime(text):
    """Parse a lifetime in seconds, or 'infinity' / 'forever'."""
    if text.lower() in ("infinity", "forever", "inf"):
        return INFINITY
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a lifetime: {text!r}")
    if not 0 <= value <= INFINITY:
        raise argparse.ArgumentTypeError(f"lifetime out of range 0..{INFINITY}: {value}")
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Send ICMPv6 Router Advertisements with a Prefix Information option.")
    p.add_argument("--interface", "-i", required=True, help="interface to send from")
    p.add_argument("--prefix", "-p", required=True, help="IPv6 prefix, e.g. 2001:db8:1::")
    p.add_argument("--prefix-length", "-l", type=int, default=64,
                   help="prefix length, default 64. SLAAC needs 64")
    p.add_argument("--valid", type=lifetime, default=86400,
                   help="valid lifetime in seconds, or 'infinity'. Default 86400")
    p.add_argument("--preferred", type=lifetime, default=14400,
                   help="preferred lifetime in seconds, or 'infinity'. Default 14400")
    p.add_argument("--router-lifetime", type=int, default=0,
                   help="router lifetime in seconds (0..65535). Default 0: not a default router")
    p.add_argument("--cur-hop-limit", type=int, default=64,
                   help="Cur Hop Limit field of the RA, default 64")
    p.add_argument("--count", "-c", type=int, default=1, help="how many RAs to send, default 1")
    p.add_argument("--interval", type=float, default=1.0,
                   help="seconds between RAs when --count > 1. Default 1.0")
    p.add_argument("--wait-source", type=float, default=5.0,
                   help="seconds to wait for a usable link-local source address. Default 5")
    p.add_argument("--no-source-lladdr", action="store_true",
                   help="omit the Source Link-Layer Address option (for testing)")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    args = p.parse_args(argv)

    if not 0 <= args.prefix_length <= 128:
        p.error(f"--prefix-length must be 0..128, got {args.prefix_length}")
    try:
        net = ipaddress.IPv6Network(f"{args.prefix}/{args.prefix_length}", strict=False)
    except ValueError as e:
        p.error(f"bad --prefix {args.prefix!r}: {e}")
    if net.network_address.is_link_local or net.network_address.is_multicast:
        p.error(f"--prefix {net} is link-local or multicast; the receiver would ignore it")
    args.network = net
    if args.preferred > args.valid:
        p.error(f"--preferred ({args.preferred}) must not exceed --valid ({args.valid})")
    if not 0 <= args.router_lifetime <= 0xFFFF:
        p.error("--router-lifetime must be 0..65535")
    if not 0 <= args.cur_hop_limit <= 255:
        p.error("--cur-hop-limit must be 0..255")
    if args.count < 1:
        p.error("--count must be at least 1")
    if args.interval < 0:
        p.error("--interval must not be negative")
    return args


def read_mac(ifname):
    path = f"/sys/class/net/{ifname}/address"
    try:
        with open(path) as f:
            text = f.read().strip()
    except FileNotFoundError:
        raise Failure(f"interface {ifname!r} not found ({path} missing; "
                      "are you in the right network namespace?)")
    try:
        mac = bytes(int(x, 16) for x in text.split(":"))
    except ValueError:
        raise Failure(f"cannot parse MAC address {text!r} from {path}")
    if len(mac) != 6:
        raise Failure(f"interface {ifname} has a {len(mac)}-byte link-layer address "
                      f"({text}); only Ethernet-style 6-byte MACs are supported")
    return mac


def link_local_addresses(ifname):
    """Return [(address, flags)] for the link-local addresses of ifname."""
    result = []
    with open("/proc/net/if_inet6") as f:
        for line in f:
            fields = line.split()
            if len(fields) != 6 or fields[5] != ifname:
                continue
            addr_hex, _ifindex, _plen, scope, flags, _name = fields
            if int(scope, 16) != IPV6_ADDR_SCOPE_LINK:
                continue
            addr = str(ipaddress.IPv6Address(bytes.fromhex(addr_hex)))
            result.append((addr, int(flags, 16)))
    return result


def usable(flags):
    if flags & IFA_F_DADFAILED:
        return False
    return not (flags & IFA_F_TENTATIVE) or bool(flags & IFA_F_OPTIMISTIC)


def wait_for_source(ifname, timeout):
    deadline = time.monotonic() + timeout
    while True:
        lls = link_local_addresses(ifname)
        for addr, flags in lls:
            if usable(flags):
                return addr
        if time.monotonic() >= deadline:
            if not lls:
                raise Failure(f"{ifname} has no IPv6 link-local address (is it up, "
                              "with IPv6 enabled?); the receiver ignores RAs from a "
                              "non-link-local source")
            state = ", ".join(f"{a} flags 0x{fl:02x}" for a, fl in lls)
            raise Failure(f"no usable link-local address on {ifname} after {timeout:g}s "
                          f"(still tentative or dadfailed: {state})")
        time.sleep(0.05)


def build_ra(args, mac):
    # RFC 4861 4.2: type, code, checksum (the kernel fills it in for raw
    # ICMPv6 sockets), cur hop limit, M/O flags, router lifetime,
    # reachable time, retrans timer.
    ra = struct.pack("!BBHBBHII", ICMPV6_ROUTER_ADVERTISEMENT, 0, 0,
                     args.cur_hop_limit, 0, args.router_lifetime, 0, 0)
    # RFC 4861 4.6.2: Prefix Information, length 4 (32 bytes).
    ra += struct.pack("!BBBBIII16s", ND_OPT_PREFIX_INFORMATION, 4, args.prefix_length,
                      PREFIX_FLAG_ONLINK | PREFIX_FLAG_AUTONOMOUS,
                      args.valid, args.preferred, 0, args.network.network_address.packed)
    if mac is not None:
        # RFC 4861 4.6.1: Source Link-Layer Address, length 1 (8 bytes).
        ra += struct.pack("!BB6s", ND_OPT_SOURCE_LINKADDR, 1, mac)
    return ra


def main(argv):
    args = parse_args(argv)
    ifname = args.interface
    if os.geteuid() != 0:
        print("warning: not running as root; raw sockets need CAP_NET_RAW", file=sys.stderr)
    mac = read_mac(ifname)
    try:
        ifindex = socket.if_nametoindex(ifname)
    except OSError as e:
        raise Failure(f"interface {ifname!r}: {e}")
    try:
        with open(f"/proc/sys/net/ipv6/conf/{ifname}/accept_ra") as f:
            if f.read().strip() != "0":
                print(f"note: net.ipv6.conf.{ifname}.accept_ra is not 0. Multicast "
                      "loopback is off, so this host should not process its own RA, "
                      "but setting accept_ra=0 is safer", file=sys.stderr)
    except OSError:
        pass

    source = wait_for_source(ifname, args.wait_source)
    packet = build_ra(args, None if args.no_source_lladdr else mac)

    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    except PermissionError as e:
        raise Failure(f"cannot open raw ICMPv6 socket: {e} (needs root / CAP_NET_RAW)")
    with sock:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
            sock.bind((source, 0, 0, ifindex))
        except OSError as e:
            raise Failure(f"cannot set up the socket on {ifname} (source {source}): {e}")
        for i in range(args.count):
            if i:
                time.sleep(args.interval)
            try:
                sent = sock.sendto(packet, (ALL_NODES, 0, 0, ifindex))
            except OSError as e:
                hint = ""
                if e.errno == errno.ENETDOWN:
                    hint = " (interface down?)"
                elif e.errno == errno.EADDRNOTAVAIL:
                    hint = " (source address not usable yet?)"
                raise Failure(f"sendto ff02::1%{ifname} failed: {e}{hint}")
            if sent != len(packet):
                raise Failure(f"short send: {sent} of {len(packet)} bytes")
            if not args.quiet:
                print(f"sent RA {i + 1}/{args.count} on {ifname} from {source}: prefix "
                      f"{args.network} valid {args.valid} preferred {args.preferred} "
                      f"router-lifetime {args.router_lifetime} "
                      f"slla {'none' if args.no_source_lladdr else mac.hex(':')}",
                      flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Failure as e:
        print(f"send-router-advertisement: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
