#!/usr/bin/env python3
"""Plays systemd's part in socket activation for bindwatch's tests.

Creates the sockets a socket unit would (a listening Unix stream socket, as ListenStream=; an
rtnetlink socket joined to groups with a forced receive buffer, as ListenNetlink= and
ReceiveBuffer=), puts them at fd 3 onwards, sets LISTEN_FDS, LISTEN_PID (this process: exec
keeps it) and LISTEN_FDNAMES, and execs the command.

usage: socket-activate.py [--unix PATH] [--netlink GROUPS] [--receive-buffer BYTES]
                          [--names NAME:NAME] [--delay SECONDS] -- COMMAND ...
"""
import argparse
import os
import socket
import sys
import time

SO_RCVBUFFORCE = 33


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--unix", help="path of a listening Unix stream socket to pass")
    parser.add_argument("--netlink", type=lambda text: int(text, 0), help="rtnetlink groups bitmask")
    parser.add_argument("--receive-buffer", type=int, default=0, help="SO_RCVBUFFORCE for the netlink socket")
    parser.add_argument("--names", help="LISTEN_FDNAMES, as given")
    parser.add_argument("--delay", type=float, default=0, help="seconds to wait, sockets open, before exec")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    arguments = parser.parse_args()
    command = arguments.command[1:] if arguments.command[:1] == ["--"] else arguments.command
    if not command:
        parser.error("no command")

    sockets = []
    if arguments.unix:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(arguments.unix):
            os.unlink(arguments.unix)
        listener.bind(arguments.unix)
        os.chmod(arguments.unix, 0o666)
        listener.listen(128)
        sockets.append(listener)
    if arguments.netlink is not None:
        netlink = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        if arguments.receive_buffer:
            netlink.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, arguments.receive_buffer)
        netlink.bind((0, arguments.netlink))
        sockets.append(netlink)

    # Clients may connect now; they are answered once the daemon is up.
    if arguments.delay:
        time.sleep(arguments.delay)

    # Out of the way first, so that moving one to its place never closes another.
    high = [os.dup2(sock.fileno(), 100 + offset) for offset, sock in enumerate(sockets)]
    for sock in sockets:
        sock.close()
    for offset, descriptor in enumerate(high):
        os.dup2(descriptor, 3 + offset, inheritable=True)
        os.close(descriptor)
    environment = dict(os.environ)
    environment["LISTEN_FDS"] = str(len(sockets))
    environment["LISTEN_PID"] = str(os.getpid())
    if arguments.names is not None:
        environment["LISTEN_FDNAMES"] = arguments.names
    sys.stdout.flush()
    os.execvpe(command[0], command, environment)


if __name__ == "__main__":
    main()
