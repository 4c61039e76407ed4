#!/usr/bin/env python3
"""A bindwatch `Watch` subscriber for the benchmark: raw varlink over the Unix socket.

Writes one line per address it learns of, stamped with CLOCK_MONOTONIC (ns) at the moment
the bytes came off the socket, before any parsing:

    C <ts>                      connected (with --subscribe-on-stdin: waiting for a line on stdin)
    R <ts>                      subscribed (the call was sent)
    = <ts> <address>            in the snapshot
    S <ts> <count>              snapshot complete
    + <ts> <address>            event: added
    - <ts> <address>            event: removed
    ~ <ts> <address>            event: changed
    X <ts> <reason>             the connection ended

Events are not parsed as JSON: a regular expression takes the type and the address text, so
that a Python client keeps up with a burst and is not what the benchmark measures.
"""
import json
import re
import socket
import sys
import time

from stamped_output import StampedOutput, run

EVENT = re.compile(rb'"event":\{"type":"(added|removed|changed)".*?"address":"([^"]+)"')
ADDRESS = re.compile(rb'"address":"([^"]+)"')
OPS = {b"added": "+", b"removed": "-", b"changed": "~"}


def main() -> None:
    path = sys.argv[1]
    out = StampedOutput()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.connect(path)
    if "--subscribe-on-stdin" in sys.argv[2:]:
        # Connect now, subscribe later: the connection's place in the daemon (which event loop
        # serves it) is fixed at accept, so the benchmark can choose it by the order of connects.
        out.write(f"C {time.monotonic_ns()}")
        if not sys.stdin.readline():
            return
    call = {"method": "io.bindwatch.Watch", "parameters": {"all": True}, "more": True}
    sock.sendall(json.dumps(call).encode() + b"\0")
    out.write(f"R {time.monotonic_ns()}")
    pending = b""
    in_snapshot = True
    snapshot = 0
    while True:
        data = sock.recv(1 << 20)
        ts = time.monotonic_ns()
        if not data:
            out.write(f"X {ts} closed")
            return
        pending += data
        if b"\0" not in data:
            continue
        *messages, pending = pending.split(b"\0")
        lines = []
        for message in messages:
            if in_snapshot:
                reply = json.loads(message)
                if "error" in reply:
                    lines.append(f"X {ts} error {reply['error']}")
                    continue
                for address in reply["parameters"].get("addresses") or []:
                    snapshot += 1
                    lines.append(f"= {ts} {address['address']}")
                if reply["parameters"].get("snapshotComplete"):
                    in_snapshot = False
                    lines.append(f"S {ts} {snapshot}")
                continue
            match = EVENT.search(message)
            if match:
                lines.append(f"{OPS[match.group(1)]} {ts} {match.group(2).decode()}")
            elif b'"error"' in message:
                lines.append(f"X {ts} error {message[:200].decode(errors='replace')}")
        out.write(*lines)


if __name__ == "__main__":
    run(main)
