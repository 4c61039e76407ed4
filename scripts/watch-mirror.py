#!/usr/bin/env python3
"""A fast Watch client for bindwatch's tests: keeps a copy of the table from the snapshot and
the events, and prints it as JSON once an event names the marker address.

usage: watch-mirror.py SOCKET --until ADDRESS [--all] [--timeout SECONDS]
Prints {"events": N, "view": {id: {"interface", "flags", "reasons"}}} on stdout. Writes "ready"
on stderr once the snapshot is complete.
"""
import argparse
import json
import socket
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("socket")
    parser.add_argument("--until", required=True, help="stop after an event for this address")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--timeout", type=float, default=300)
    arguments = parser.parse_args()

    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(arguments.timeout)
    connection.connect(arguments.socket)
    call = {"method": "io.bindwatch.Watch", "parameters": {"all": arguments.all}, "more": True}
    connection.sendall(json.dumps(call).encode() + b"\0")

    view = {}
    events = 0
    pending = b""
    while True:
        chunk = connection.recv(1 << 20)
        if not chunk:
            print(json.dumps({"error": "connection closed", "events": events}))
            return 1
        pending += chunk
        *messages, pending = pending.split(b"\0")
        for message in messages:
            reply = json.loads(message)
            if "error" in reply:
                print(json.dumps({"error": reply["error"], "events": events}))
                return 1
            parameters = reply["parameters"]
            for address in parameters.get("addresses") or []:
                view[address["id"]] = address
            if parameters.get("snapshotComplete"):
                print("ready", file=sys.stderr, flush=True)
            event = parameters.get("event")
            if event:
                events += 1
                address = event["address"]
                if event["type"] == "removed":
                    view.pop(address["id"], None)
                else:
                    view[address["id"]] = address
                if address["address"] == arguments.until:
                    summary = {
                        key: {"interface": value["interface"], "flags": value["flags"], "reasons": value["reasons"]}
                        for key, value in view.items()
                    }
                    print(json.dumps({"events": events, "view": summary}))
                    return 0


if __name__ == "__main__":
    sys.exit(main())
