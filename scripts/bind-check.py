#!/usr/bin/env python3
"""Asks the kernel whether addresses bind: for each argument ADDRESS[%IFINDEX], try bind()
on a UDP socket and print one JSON object mapping the argument to 0 (bound) or the errno.

Used by the integration tests inside a namespace: ip netns exec NS bind-check.py 2001:db8::1 fe80::1%3
"""
import json
import socket
import sys


def check(argument):
    address, _, zone = argument.partition("%")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        if family == socket.AF_INET6:
            sock.bind((address, 0, 0, int(zone) if zone else 0))
        else:
            sock.bind((address, 0))
        return 0
    except OSError as error:
        return error.errno
    finally:
        sock.close()


print(json.dumps({argument: check(argument) for argument in sys.argv[1:]}))
