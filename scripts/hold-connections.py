#!/usr/bin/env python3
"""Opens COUNT connections to a varlink socket and calls GetStatus on each, then holds them.

Prints one JSON line, {"answered": N, "closed": M}: connections the daemon answered (and so
admitted) and those it closed unanswered (refused). Keeps every connection open until its
standard input ends. Used by the integration tests of bindwatchd's connection limits.
Usage: hold-connections.py SOCKET COUNT
"""
import json
import resource
import socket
import sys


def call(connection):
    """True when the daemon answers GetStatus, False when it closes the connection."""
    connection.sendall(b'{"method":"io.bindwatch.GetStatus"}\0')
    reply = b""
    while not reply.endswith(b"\0"):
        chunk = connection.recv(65536)
        if not chunk:
            return False
        reply += chunk
    return b'"synced"' in reply


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    held, answered, closed = [], 0, 0
    for _ in range(count):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(10)
        connection.connect(path)
        if call(connection):
            answered += 1
        else:
            closed += 1
        held.append(connection)
    print(json.dumps({"answered": answered, "closed": closed}), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
