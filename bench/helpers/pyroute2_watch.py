#!/usr/bin/env python3
"""The pyroute2 peer: an address watcher written the way pyroute2's documentation shows.

IPRoute with its defaults, bound to the IPv4 and IPv6 address groups; each RTM_NEWADDR and
RTM_DELADDR becomes a line, stamped with CLOCK_MONOTONIC (ns) when `get()` handed the batch
over:

    R <ts> <pid>           bound and listening
    + <ts> <address>       RTM_NEWADDR
    - <ts> <address>       RTM_DELADDR
    E <ts> <error>         get() raised (ENOBUFS: the kernel dropped events)
    X <ts> <reason>        the watcher stopped
"""
import errno
import os
import time

from stamped_output import StampedOutput, run

from pyroute2 import IPRoute
from pyroute2.netlink.rtnl import RTM_DELADDR, RTM_NEWADDR, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR


def main() -> None:
    out = StampedOutput()
    ipr = IPRoute()
    ipr.bind(groups=RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR)
    out.write(f"R {time.monotonic_ns()} {os.getpid()}")
    errors = 0
    while True:
        try:
            messages = ipr.get()
        except Exception as error:  # noqa: BLE001 - report whatever the library raises
            ts = time.monotonic_ns()
            code = getattr(error, "errno", None)
            name = errno.errorcode.get(code, "") if code else ""
            out.write(f"E {ts} {name} {type(error).__name__}: {error}")
            errors += 1
            if errors >= 3:
                # pyroute2 0.9 keeps the socket's first error: every later get() raises it again.
                out.write(f"X {time.monotonic_ns()} stopped after {errors} errors in a row")
                return
            time.sleep(0.1)
            continue
        ts = time.monotonic_ns()
        errors = 0
        lines = []
        for message in messages:
            header = message["header"]["type"]
            if header == RTM_NEWADDR:
                op = "+"
            elif header == RTM_DELADDR:
                op = "-"
            else:
                continue
            address = message.get_attr("IFA_LOCAL") or message.get_attr("IFA_ADDRESS")
            lines.append(f"{op} {ts} {address}")
        out.write(*lines)


if __name__ == "__main__":
    run(main)
