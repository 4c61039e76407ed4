#!/usr/bin/env python3
"""1,000 `Watch` subscribers in one process, on one epoll loop.

Connects N subscribers (all: true), reads every snapshot, then prints
`READY <ts> <seconds to subscribe all> <snapshot bytes>` and records, for every event on
every connection, the CLOCK_MONOTONIC time (ns) at which epoll reported the connection
readable (so the loop's own per-connection work does not count against the daemon).
Stops once each connection has seen `--expect` events, or after `--timeout` seconds, and
prints one JSON line: {"arrivals": {"added ADDRESS": [ts, ...], ...}, "closed": n, "complete": n}.
"""
import argparse
import json
import re
import resource
import select
import socket
import sys
import time

EVENT = re.compile(rb'"event":\{"type":"(added|removed|changed)".*?"address":"([^"]+)"')


def receive(state: dict) -> list[bytes] | None:
    """One read on a subscriber's connection: the complete NUL-terminated messages it finished
    (possibly none), or None when the daemon closed it. `state["received"]` is the read's size."""
    data = state["sock"].recv(1 << 20)
    state["received"] = len(data)
    if not data:
        return None
    state["pending"] += data
    if b"\0" not in data:
        return []
    *messages, state["pending"] = state["pending"].split(b"\0")
    return messages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("socket")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    call = json.dumps({"method": "io.bindwatch.Watch", "parameters": {"all": True}, "more": True}).encode() + b"\0"
    epoll = select.epoll()
    connections = {}
    start = time.monotonic_ns()
    for _ in range(args.subscribers):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(args.socket)
        sock.sendall(call)
        sock.setblocking(False)
        connections[sock.fileno()] = {"sock": sock, "pending": b"", "snapshot": False, "events": 0}
        epoll.register(sock.fileno(), select.EPOLLIN)

    snapshot_bytes = 0
    waiting = len(connections)
    closed = 0
    while waiting:
        for fd, _ in epoll.poll(10):
            state = connections[fd]
            messages = receive(state)
            if messages is None:
                epoll.unregister(fd)
                closed += 1
                waiting -= 1
                continue
            snapshot_bytes += state["received"]
            for message in messages:
                if b'"snapshotComplete":true' in message:
                    state["snapshot"] = True
                    waiting -= 1
        if time.monotonic_ns() - start > args.timeout * 1e9:
            break
    ready = time.monotonic_ns()
    print(f"READY {ready} {(ready - start) / 1e9:.6f} {snapshot_bytes} {closed}", flush=True)

    arrivals = {}
    complete = 0
    deadline = time.monotonic_ns() + int(args.timeout * 1e9)
    open_connections = len(connections) - closed
    while complete < open_connections and time.monotonic_ns() < deadline:
        ready_fds = epoll.poll(1.0)
        ts = time.monotonic_ns()
        for fd, _ in ready_fds:
            state = connections[fd]
            messages = receive(state)
            if messages is None:
                epoll.unregister(fd)
                closed += 1
                open_connections -= 1
                continue
            for message in messages:
                match = EVENT.search(message)
                if not match:
                    continue
                arrivals.setdefault(f"{match.group(1).decode()} {match.group(2).decode()}", []).append(ts)
                state["events"] += 1
                if state["events"] == args.expect:
                    complete += 1
    print(json.dumps({"arrivals": arrivals, "closed": closed, "complete": complete}), flush=True)
    for state in connections.values():
        state["sock"].close()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
