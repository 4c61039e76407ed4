#!/usr/bin/env python3
"""Runs `ip -o monitor address` (iproute2, line-buffered with stdbuf) and stamps its output.

Each chunk read from ip's stdout is stamped with CLOCK_MONOTONIC (ns) as the read returns;
the stamper adds only a pipe hop. Lines:

    R <ts> <pid>           ip is running (pid of the ip process)
    + <ts> <address>       an address line
    - <ts> <address>       a "Deleted" line
    E <ts> <text>          ip wrote to stderr (e.g. "netlink receive error ... (105)")
    X <ts> <reason>        ip exited
"""
import os
import re
import subprocess
import threading
import time

from stamped_output import StampedOutput, run

LINE = re.compile(r"^(Deleted )?\d+: \S+\s+inet6? ([0-9a-fA-F:.]+)")


def main() -> None:
    out = StampedOutput()
    ip = subprocess.Popen(
        ["stdbuf", "-oL", "ip", "-o", "monitor", "address"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    out.write(f"R {time.monotonic_ns()} {ip.pid}")

    def errors() -> None:
        for line in ip.stderr:
            out.write(f"E {time.monotonic_ns()} {line.decode(errors='replace').strip()}")

    threading.Thread(target=errors, daemon=True).start()
    fd = ip.stdout.fileno()
    pending = b""
    while True:
        data = os.read(fd, 1 << 20)
        ts = time.monotonic_ns()
        if not data:
            break
        pending += data
        if b"\n" not in data:
            continue
        *complete, pending = pending.split(b"\n")
        lines = []
        for raw in complete:
            match = LINE.match(raw.decode(errors="replace"))
            if match:
                lines.append(f"{'-' if match.group(1) else '+'} {ts} {match.group(2)}")
        out.write(*lines)
    ip.wait()
    out.write(f"X {time.monotonic_ns()} ip exited {ip.returncode}")


if __name__ == "__main__":
    run(main)
