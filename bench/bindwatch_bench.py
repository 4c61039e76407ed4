#!/usr/bin/env python3
"""bindwatch benchmarks: bindwatchd against `ip monitor address` and a pyroute2 watcher.

Run through `bench/run`, which builds the daemon and this script's environment. Every peer
runs in the same run, on the same changes, in a network namespace this script creates and
deletes again (addresses and links first, so that the kernel's clean-up is quick).

Measurements, each repeated over rounds and reported as median, min and max:
  1. event latency (p50/p99) from just before a change to each watcher's report;
  2. bursts of addresses added then removed in one `ip -batch`: time to each watcher's final
     state, and whether that state is exact;
  3. start-up with many addresses present, against `ip -j addr show`;
  4. resident memory idle and with many addresses;
  5. serving: `List` requests per second from 16 clients, and one change's fan-out to 1,000
     `Watch` subscribers;
  6. idle: context switches and CPU time over a quiet period.
See BENCHMARKS.md for what each figure means and how it is taken.
"""
from __future__ import annotations

import argparse
import atexit
import ctypes
import ipaddress
import json
import math
import os
import platform
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELPERS = HERE / "helpers"
PYTHON = sys.executable
WATCHERS = ("bindwatch", "ip_monitor", "pyroute2")
LABELS = {"bindwatch": "bindwatch", "ip_monitor": "ip monitor", "pyroute2": "pyroute2"}
CLONE_NEWNET = 0x40000000


def now_ns() -> int:
    return time.monotonic_ns()


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    # Nearest rank.
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


# MARK: - Processes and clean-up


class Children:
    """Every process the benchmark starts, each in its own process group, so that a kill
    reaches whatever it started too (ip under the ip-monitor stamper)."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []
        self.lock = threading.Lock()

    def start(self, arguments, **options) -> subprocess.Popen:
        options.setdefault("stdin", subprocess.DEVNULL)
        process = subprocess.Popen(arguments, start_new_session=True, **options)
        with self.lock:
            self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen, timeout: float = 10.0) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()
        with self.lock:
            if process in self.processes:
                self.processes.remove(process)

    def stop_all(self) -> None:
        with self.lock:
            processes = list(reversed(self.processes))
        for process in processes:
            self.stop(process, timeout=5.0)


CHILDREN = Children()


class Namespace:
    """The benchmark's network namespace. This process moves into it (setns), so that every
    child runs inside it without `ip netns exec`, and exec-to-answer times are the daemon's own."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.created = False
        self.links: list[str] = []

    def ip(self, *arguments, check=True, capture=False) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ip", "-n", self.name, *arguments], check=check,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def create(self, links: list[str]) -> None:
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.created = True
        fd = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        os.close(fd)
        self.links += links
        self.batch("link set lo up\n" + "".join(self.link_commands(link) for link in links))

    @staticmethod
    def link_commands(link: str) -> str:
        peer = link.replace("bwl", "bwp")
        return "".join(f"{command}\n" for command in (
            f"link add {link} type veth peer name {peer}",
            # No link-local addresses, no DAD: nothing changes unless the benchmark changes it.
            f"link set {link} addrgenmode none",
            f"link set {peer} addrgenmode none",
            f"link set {link} up",
            f"link set {peer} up",
        ))

    def batch(self, commands: str, force=False) -> float:
        """Runs `ip -n NS -batch FILE`; returns its wall time in seconds."""
        with tempfile.NamedTemporaryFile("w", prefix="bindwatch-bench-", suffix=".batch", delete=False) as file:
            file.write(commands)
            path = file.name
        try:
            process = CHILDREN.start(
                ["ip", "-n", self.name] + (["-force"] if force else []) + ["-batch", path],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            start = now_ns()
            _, error = process.communicate()
            elapsed = (now_ns() - start) / 1e9
            CHILDREN.stop(process)
            if process.returncode != 0 and not force:
                raise RuntimeError(f"ip -batch failed ({process.returncode}): {error.decode()[:500]}")
            return elapsed
        finally:
            os.unlink(path)

    def ifindex(self, link: str) -> int:
        return json.loads(self.ip("-j", "link", "show", "dev", link, capture=True).stdout)[0]["ifindex"]

    def delete(self) -> None:
        if not self.created:
            return
        # Links first: deleting a namespace that still holds many addresses keeps a kworker busy
        # for minutes; deleting a link with its addresses takes the kernel a fraction of a second.
        for link in self.links:
            self.ip("link", "del", link, check=False)
        subprocess.run(["ip", "netns", "del", self.name], check=False, stderr=subprocess.DEVNULL)
        self.created = False


# MARK: - Talking to bindwatchd


def varlink_call(path: str, method: str, parameters=None, more=False, timeout=120.0) -> list[dict]:
    call = {"method": method, "parameters": parameters or {}}
    if more:
        call["more"] = True
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(json.dumps(call).encode() + b"\0")
        buffer = bytearray()
        replies = []
        searched = 0
        while True:
            data = sock.recv(1 << 20)
            if not data:
                raise ConnectionError(f"{method}: connection closed")
            buffer += data
            while True:
                end = buffer.find(b"\0", searched)
                if end < 0:
                    searched = len(buffer)
                    break
                reply = json.loads(bytes(buffer[:end]))
                del buffer[: end + 1]
                searched = 0
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply}")
                replies.append(reply["parameters"])
                if not reply.get("continues"):
                    return replies


def get_status(path: str) -> dict:
    return varlink_call(path, "io.bindwatch.GetStatus")[0]


def list_all(path: str) -> list[dict]:
    addresses = []
    for reply in varlink_call(path, "io.bindwatch.List", {"all": True}, more=True):
        addresses += reply.get("addresses") or []
    return addresses


KERNEL_FLAGS = [
    "tentative", "optimistic", "dadfailed", "deprecated", "nodad", "home", "mngtmpaddr", "noprefixroute",
    "autojoin", "stable-privacy", "temporary", "secondary",
]


def kernel_addresses(namespace: Namespace) -> dict[str, frozenset]:
    """`ip -j addr show`, as bindwatch ids and flag sets (as the integration tests read it)."""
    links = json.loads(namespace.ip("-j", "addr", "show", capture=True).stdout)
    result = {}
    for link in links:
        for info in link.get("addr_info", []):
            local = info.get("local")
            if local is None:
                continue
            if ":" in local:
                key = f"{link['ifindex']}/{local}"
            else:
                key = f"{link['ifindex']}/{local}/{info['prefixlen']}"
                if info.get("address") and info["address"] != local:
                    key += f"/peer/{info['address']}"
            flags = {flag for flag in KERNEL_FLAGS if info.get(flag) is True}
            if info.get("dynamic") is not True and info.get("valid_life_time") == 4294967295:
                flags.add("permanent")
            result[key] = frozenset(flags)
    return result


def compare_with_kernel(socket_path: str, namespace: Namespace) -> dict:
    listed = {address["id"]: frozenset(address["flags"]) for address in list_all(socket_path)}
    kernel = kernel_addresses(namespace)
    missing = sorted(set(kernel) - set(listed))
    extra = sorted(set(listed) - set(kernel))
    flags = sorted(key for key in set(kernel) & set(listed) if kernel[key] != listed[key])
    return {
        "exact": not missing and not extra and not flags,
        "kernel": len(kernel), "listed": len(listed),
        "missing": len(missing), "extra": len(extra), "flag_mismatches": len(flags),
        "sample": (missing + extra + flags)[:5],
        "listed_addresses": {key.split("/")[1] for key in listed},
    }


def proc_status(pid: int) -> dict:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                key, _, value = line.partition(":")
                values[key] = value.strip()
    except FileNotFoundError:
        pass
    return values


def rss_kib(pid: int) -> int | None:
    value = proc_status(pid).get("VmRSS")
    return int(value.split()[0]) if value else None


def rss_parts(pid: int) -> dict:
    """VmRSS split into anonymous memory (the heap: the table) and file-backed pages (the
    mapped binary's code and data, which a statically linked runtime makes large)."""
    status = proc_status(pid)
    parts = {}
    for key, name in (("VmRSS", "rss_kib"), ("RssAnon", "anon_kib"), ("RssFile", "file_kib"), ("VmHWM", "hwm_kib")):
        if key in status:
            parts[name] = int(status[key].split()[0])
    return parts


def thread_counters(pid: int) -> dict:
    """Context switches and CPU time of every thread, by thread id, and the process's own tick
    count (utime + stime of all threads, live and exited)."""
    threads = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        status = proc_status(f"{pid}/task/{task}")
        if not status:
            continue
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as file:
                runtime_ns = int(file.read().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            runtime_ns = 0
        threads[task] = {
            "name": status.get("Name", "?"),
            "voluntary": int(status.get("voluntary_ctxt_switches", 0)),
            "nonvoluntary": int(status.get("nonvoluntary_ctxt_switches", 0)),
            "runtime_ns": runtime_ns,
        }
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return {
        "threads": threads,
        "ticks": int(fields[11]) + int(fields[12]),
        "system_ticks": int(fields[12]),
        "runtime_ns": sum(thread["runtime_ns"] for thread in threads.values()),
    }


def counter_delta(before: dict, after: dict) -> dict:
    """What happened between two samples. A thread that exited in between woke up to exit: it
    is counted (with the switches and time it had at the first sample unknown past that)."""
    voluntary = nonvoluntary = runtime_ns = 0
    busy = {}
    for tid, thread in after["threads"].items():
        old = before["threads"].get(tid, {"voluntary": 0, "nonvoluntary": 0, "runtime_ns": 0})
        dv = thread["voluntary"] - old["voluntary"]
        dn = thread["nonvoluntary"] - old["nonvoluntary"]
        voluntary += dv
        nonvoluntary += dn
        runtime_ns += thread["runtime_ns"] - old["runtime_ns"]
        if dv or dn:
            busy[f"{thread['name']}#{tid}"] = dv + dn
    started = sorted(f"{t['name']}#{tid}" for tid, t in after["threads"].items() if tid not in before["threads"])
    exited = sorted(f"{t['name']}#{tid}" for tid, t in before["threads"].items() if tid not in after["threads"])
    return {
        "threads": len(after["threads"]),
        "voluntary_switches": voluntary, "nonvoluntary_switches": nonvoluntary,
        "cpu_ms": runtime_ns / 1e6,
        "threads_started": started, "threads_exited": exited, "busy_threads": busy,
    }


class Daemon:
    """bindwatchd, exec-ed directly (this process is already in the namespace)."""

    def __init__(self, binary: str, workdir: Path, name: str, extra: list[str]) -> None:
        self.socket_path = str(workdir / f"{name}.sock")
        self.log_path = workdir / f"{name}.log"
        self.arguments = [
            binary, "--socket", self.socket_path, "--event-log", str(workdir / f"{name}-events.jsonl"), *extra]
        self.process: subprocess.Popen | None = None

    def start(self, timeout=600.0) -> float:
        """Starts it and returns the seconds from exec to the first answered call (GetStatus)."""
        log_file = open(self.log_path, "ab")
        request = json.dumps({"method": "io.bindwatch.GetStatus", "parameters": {}}).encode() + b"\0"
        start = now_ns()
        self.process = CHILDREN.start(self.arguments, stdout=log_file, stderr=log_file)
        log_file.close()
        deadline = start + int(timeout * 1e9)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"bindwatchd exited ({self.process.returncode}): {self.log_path.read_text()[-2000:]}")
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.connect(self.socket_path)
                    sock.sendall(request)
                    reply = b""
                    while not reply.endswith(b"\0"):
                        data = sock.recv(65536)
                        if not data:
                            raise ConnectionError("closed")
                        reply += data
                    return (now_ns() - start) / 1e9
            except (FileNotFoundError, ConnectionRefusedError, ConnectionError):
                if now_ns() > deadline:
                    raise RuntimeError("bindwatchd did not answer")
                time.sleep(0.0005)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process:
            CHILDREN.stop(self.process)
            self.process = None


# MARK: - Watchers


class Watcher:
    """One watcher process; a thread reads its stamped lines as they come."""

    def __init__(self, name: str, arguments: list[str], workdir: Path) -> None:
        self.name = name
        self.arguments = arguments
        self.workdir = workdir
        self.events: list[tuple[str, int, str]] = []
        self.notes: list[tuple[str, int, str]] = []
        self.ready = threading.Event()
        self.connected = threading.Event()
        self.snapshot = threading.Event()
        self.ended = threading.Event()
        self.pid: int | None = None
        self.restarts = -1
        self.start_index = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.restarts += 1
        self.start_index = len(self.events)
        self.ready.clear()
        self.snapshot.clear()
        self.ended.clear()
        self.connected.clear()
        stderr = open(self.workdir / f"{self.name}.stderr", "ab")
        deferred = "--subscribe-on-stdin" in self.arguments
        self.process = CHILDREN.start(self.arguments, stdout=subprocess.PIPE, stderr=stderr, bufsize=1 << 20,
                                      **({"stdin": subprocess.PIPE} if deferred else {}))
        stderr.close()
        self.pid = self.process.pid
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        events = self.events
        for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            kind, _, rest = line.partition(" ")
            stamp, _, detail = rest.partition(" ")
            if kind in ("+", "-", "~", "="):
                events.append((kind, int(stamp), detail))
                continue
            self.notes.append((kind, int(stamp) if stamp.isdigit() else 0, detail))
            if kind == "C":
                self.connected.set()
            elif kind == "R":
                if detail:
                    self.pid = int(detail)
                if self.name != "bindwatch":
                    self.ready.set()
            elif kind == "S":
                self.ready.set()
                self.snapshot.set()
        self.ended.set()
        self.ready.set()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and not self.ended.is_set()

    def subscribe(self) -> None:
        """For a subscriber started with --subscribe-on-stdin: send the Watch call now."""
        self.process.stdin.write(b"go\n")
        self.process.stdin.flush()

    def errors_since(self, index: int) -> list[str]:
        return [f"{kind} {detail}" for kind, _, detail in self.notes[index:] if kind in ("E", "X")]

    def stop(self) -> None:
        if self.process:
            CHILDREN.stop(self.process)
            self.process = None


def make_watchers(daemon: Daemon, workdir: Path) -> dict[str, Watcher]:
    return {
        "bindwatch": Watcher("bindwatch", [PYTHON, str(HELPERS / "bw_watch.py"), daemon.socket_path,
                                           "--subscribe-on-stdin"], workdir),
        # The latency test runs twice, each time with one bindwatch subscriber. Both connect now,
        # one right after the other, and subscribe only when their pass starts. (The daemon once
        # handed connections to two event loops in turn; it has one now, and the two passes
        # differ only by chance.)
        "bindwatch_b": Watcher("bindwatch_b", [PYTHON, str(HELPERS / "bw_watch.py"), daemon.socket_path,
                                               "--subscribe-on-stdin"], workdir),
        "ip_monitor": Watcher("ip_monitor", [PYTHON, str(HELPERS / "ip_monitor_watch.py")], workdir),
        "pyroute2": Watcher("pyroute2", [PYTHON, str(HELPERS / "pyroute2_watch.py")], workdir),
    }


# MARK: - Changes through the benchmark's own netlink socket


class ChangeSocket:
    """A plain rtnetlink socket with requests built ahead of time, so that the stamp taken just
    before `send` is not followed by request-building work in Python."""

    RTM_NEWADDR, RTM_DELADDR = 20, 21
    NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
    IFA_F_NODAD = 0x02

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.sequence = 0

    def build(self, add: bool, ifindex: int, address: str, prefix_length: int = 64) -> bytes:
        self.sequence += 1
        packed = ipaddress.IPv6Address(address).packed
        ifaddrmsg = struct.pack("=BBBBI", socket.AF_INET6, prefix_length, self.IFA_F_NODAD if add else 0, 0, ifindex)
        attributes = struct.pack("=HH", 20, 2) + packed + struct.pack("=HH", 20, 1) + packed  # IFA_LOCAL, IFA_ADDRESS
        payload = ifaddrmsg + attributes
        flags = self.NLM_F_REQUEST | self.NLM_F_ACK | (self.NLM_F_CREATE | self.NLM_F_EXCL if add else 0)
        kind = self.RTM_NEWADDR if add else self.RTM_DELADDR
        return struct.pack("=IHHII", 16 + len(payload), kind, flags, self.sequence, 0) + payload

    def send(self, message: bytes) -> tuple[int, int]:
        """Sends; returns (stamp just before the send, stamp when the kernel's ACK arrived)."""
        start = now_ns()
        self.sock.send(message)
        answer = self.sock.recv(65536)
        acked = now_ns()
        _, kind, _, _, _ = struct.unpack_from("=IHHII", answer)
        if kind == 2:
            (error,) = struct.unpack_from("=i", answer, 16)
            if error != 0:
                raise OSError(-error, f"netlink request failed: {os.strerror(-error)}")
        return start, acked

    def close(self) -> None:
        self.sock.close()


def address(prefix: int, index: int) -> str:
    """2001:db8:PREFIX:0:HI:LO:0:1. The low 24 bits stay the same, so every address shares one
    solicited-node multicast group: the kernel joins it once instead of once per address."""
    return str(ipaddress.IPv6Address(f"2001:db8:{prefix:x}:0:{index >> 16:x}:{index & 0xffff:x}:0:1"))


def combine_latency(first: dict, second: dict) -> dict:
    """Two passes, each with its own bindwatch subscriber. The peers'
    figures pool both passes; bindwatch is reported per pass, as the faster and the slower,
    each with its ratio to the peers of the same pass."""
    passes = [first, second]
    combined = {"changes": first["changes"] + second["changes"], "passes": [],
                "kernel_ack_us_p50": statistics.median(p["kernel_ack_us_p50"] for p in passes)}
    cpu = [p["daemon_cpu_us_per_change"] for p in passes if p.get("daemon_cpu_us_per_change") is not None]
    combined["daemon_cpu_us_per_change"] = statistics.median(cpu) if cpu else None
    for key in ("ip_monitor_cpu_us_per_change", "daemon_system_share"):
        values = [p[key] for p in passes if p.get(key) is not None]
        combined[key] = statistics.median(values) if values else None
    wakeups = [p["daemon_wakeups_per_change"] for p in passes if p.get("daemon_wakeups_per_change") is not None]
    combined["daemon_wakeups_per_change"] = statistics.median(wakeups) if wakeups else None
    for name in ("ip_monitor", "pyroute2"):
        values = sorted(v for p in passes for v in p["raw_us"][name])
        combined[name] = {
            "p50_us": percentile(values, 0.5), "p99_us": percentile(values, 0.99),
            "max_us": values[-1] if values else None, "reported": len(values),
            "missed": sum(p[name]["missed"] for p in passes),
        }
    for p in passes:
        summary = {name: p[name] for name in ("bindwatch", "ip_monitor", "pyroute2")}
        summary["kernel_ack_us_p50"] = p["kernel_ack_us_p50"]
        summary["daemon_switches_per_change"] = p.get("daemon_switches_per_change")
        summary["daemon_cpu_us_per_change"] = p.get("daemon_cpu_us_per_change")
        summary["daemon_wakeups_per_change"] = p.get("daemon_wakeups_per_change")
        combined["passes"].append(summary)
    ordered = sorted(passes, key=lambda p: p["bindwatch"]["p50_us"] or float("inf"))
    for label, p in (("bindwatch_faster", ordered[0]), ("bindwatch_slower", ordered[-1])):
        combined[label] = dict(p["bindwatch"])
        for peer in ("ip_monitor", "pyroute2"):
            for pct in ("p50", "p99"):
                if p[peer][f"{pct}_us"] and p["bindwatch"][f"{pct}_us"]:
                    combined[label][f"ratio_{pct}_vs_{peer}"] = p["bindwatch"][f"{pct}_us"] / p[peer][f"{pct}_us"]
    both = sorted(v for p in passes for v in p["raw_us"]["bindwatch"])
    combined["bindwatch"] = {
        "p50_us": percentile(both, 0.5), "p99_us": percentile(both, 0.99), "max_us": both[-1] if both else None,
        "reported": len(both), "missed": sum(p["bindwatch"]["missed"] for p in passes),
    }
    return combined


# MARK: - The benchmark


class Bench:
    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.workdir = Path(tempfile.mkdtemp(prefix="bindwatch-bench."))
        self.namespace = Namespace(f"bwbench-{os.getpid()}")
        self.daemon_extra = list(options.daemon_arg or [])
        self.results: dict = {"rounds": []}

    # -- set-up

    def links_for(self, size: int) -> list[str]:
        per_link = self.options.per_link or size
        return [f"bwl{k + 1}" for k in range(math.ceil(size / per_link))]

    def setup(self) -> None:
        sizes = self.options.sizes
        links = ["bwl0"] + self.links_for(max(sizes)) if sizes else ["bwl0"]
        log(f"namespace {self.namespace.name}: links {', '.join(links)} (work files in {self.workdir})")
        self.namespace.create(links)
        self.ifindex = {link: self.namespace.ifindex(link) for link in links}
        self.changes = ChangeSocket()

    def teardown(self) -> None:
        CHILDREN.stop_all()
        try:
            self.changes.close()
        except AttributeError:
            pass
        self.namespace.delete()
        if not self.options.keep_workdir:
            subprocess.run(["rm", "-rf", str(self.workdir)], check=False)

    # -- helpers

    def wait_for(self, condition, timeout: float, what: str, interval: float = 0.01) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            time.sleep(interval)

    def start_watchers(self, daemon: Daemon) -> dict[str, Watcher]:
        watchers = make_watchers(daemon, self.workdir)
        # The two bindwatch connections are made one after the other, with nothing in between.
        for name in ("bindwatch", "bindwatch_b"):
            watchers[name].start()
            if not watchers[name].connected.wait(60):
                raise TimeoutError(f"{name} did not connect")
        watchers["bindwatch"].subscribe()
        for name in ("ip_monitor", "pyroute2"):
            watchers[name].start()
        active = {name: watcher for name, watcher in watchers.items() if name != "bindwatch_b"}
        for watcher in active.values():
            if not watcher.ready.wait(60):
                raise TimeoutError(f"{watcher.name} did not start")
        self.probe(active)
        return watchers

    def restart_dead(self, watchers: dict[str, Watcher], daemon: Daemon) -> list[str]:
        restarted = []
        for name, watcher in watchers.items():
            if not watcher.alive:
                log(f"restarting {name} (it stopped: {watcher.errors_since(0)[-1:]})")
                watcher.start()
                if "--subscribe-on-stdin" in watcher.arguments:
                    if not watcher.connected.wait(60):
                        raise TimeoutError(f"{name} did not reconnect")
                    watcher.subscribe()
                if not watcher.ready.wait(60):
                    raise TimeoutError(f"{name} did not restart")
                restarted.append(name)
        if restarted:
            self.probe(watchers)
        return restarted

    def probe(self, watchers: dict[str, Watcher]) -> None:
        """A change every watcher must report: proves they all listen before anything is timed."""
        self.probe_count = getattr(self, "probe_count", 0) + 1
        text = address(0xF000, self.probe_count)
        for add in (True, False):
            self.changes.send(self.changes.build(add, self.ifindex["bwl0"], text))
            op = "+" if add else "-"
            self.wait_for(
                lambda: all(any(e[0] == op and e[2] == text for e in w.events[-50:]) for w in watchers.values()),
                30, f"the probe {text} ({op}) to reach every watcher")

    # -- 6. idle, 4. memory (idle)

    def measure_idle(self, daemon: Daemon, watchers: dict[str, Watcher]) -> dict:
        seconds = self.options.idle_seconds
        pids = {"bindwatch": daemon.pid, "ip_monitor": watchers["ip_monitor"].pid, "pyroute2": watchers["pyroute2"].pid}
        time.sleep(self.options.idle_settle)
        before = {name: thread_counters(pid) for name, pid in pids.items()}
        log(f"idle: {seconds:g} s with nothing changing")
        time.sleep(seconds)
        after = {name: thread_counters(pid) for name, pid in pids.items()}
        result = {}
        tick = os.sysconf("SC_CLK_TCK")
        for name in pids:
            result[name] = counter_delta(before[name], after[name])
            result[name].update({
                "seconds": seconds,
                "cpu_ticks_ms": (after[name]["ticks"] - before[name]["ticks"]) * 1000 / tick,
                "rss_kib": rss_kib(pids[name]),
            })
            changed = result[name]["threads_started"] + result[name]["threads_exited"]
            if changed or result[name]["voluntary_switches"] or result[name]["nonvoluntary_switches"]:
                log(f"idle: {name}: {result[name]['busy_threads']} started {result[name]['threads_started']} "
                    f"exited {result[name]['threads_exited']}")
        return result

    # -- 1. latency

    def measure_latency(self, round_index: int, watchers: dict[str, Watcher], daemon_pid: int | None = None) -> dict:
        count = self.options.latency_changes // 2
        spacing_ns = int(self.options.latency_spacing_ms * 1e6)
        ifindex = self.ifindex["bwl0"]
        texts = [address(0xA000 + round_index, i + 1) for i in range(count)]
        messages = [(True, text, self.changes.build(True, ifindex, text)) for text in texts]
        messages += [(False, text, self.changes.build(False, ifindex, text)) for text in texts]
        marks = {name: len(watcher.events) for name, watcher in watchers.items()}
        log(f"latency: {len(messages)} changes, {self.options.latency_spacing_ms:g} ms apart")
        sent = []
        counters = thread_counters(daemon_pid) if daemon_pid else None
        # ip monitor does the least a watcher can (receive, format, write a line): its CPU per
        # change is the scale for the daemon's on this machine.
        ip_pid = watchers["ip_monitor"].pid if watchers["ip_monitor"].alive else None
        ip_counters = thread_counters(ip_pid) if ip_pid else None
        next_at = now_ns()
        for add, text, message in messages:
            while now_ns() < next_at:
                time.sleep(max(0.0, (next_at - now_ns()) / 1e9 - 0.0002))
            start, acked = self.changes.send(message)
            sent.append(("+" if add else "-", text, start, acked))
            next_at = start + spacing_ns
        wanted = {(op, text) for op, text, _, _ in sent}

        def seen(name: str) -> int:
            return len({(e[0], e[2]) for e in watchers[name].events[marks[name]:]} & wanted)

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(seen(n) < len(wanted) for n in watchers if watchers[n].alive):
            time.sleep(0.05)
        result = {
            "changes": len(sent),
            "kernel_ack_us_p50": percentile([(a - s) / 1e3 for _, _, s, a in sent], 0.5),
        }
        if counters:
            # How many of the daemon's threads wake per change, and which.
            delta = counter_delta(counters, thread_counters(daemon_pid))
            result["daemon_switches_per_change"] = {
                thread: round(count / len(sent), 2) for thread, count in delta["busy_threads"].items()}
            # Wake-ups: a thread that blocks in epoll_wait and is woken makes one voluntary
            # switch; preemptions (non-voluntary) depend on the machine's load, not the daemon.
            result["daemon_wakeups_per_change"] = delta["voluntary_switches"] / len(sent)
            # CPU time of all its threads per change, kernel time included (recvmsg, poll, write).
            result["daemon_cpu_us_per_change"] = delta["cpu_ms"] * 1000 / len(sent)
            after = thread_counters(daemon_pid)
            ticks = after["ticks"] - counters["ticks"]
            # utime against stime (clock ticks): how much of it is the kernel's work.
            result["daemon_system_share"] = (after["system_ticks"] - counters["system_ticks"]) / ticks if ticks else None
        if ip_counters:
            try:
                delta = counter_delta(ip_counters, thread_counters(ip_pid))
                result["ip_monitor_cpu_us_per_change"] = delta["cpu_ms"] * 1000 / len(sent)
            except (FileNotFoundError, ProcessLookupError):
                pass
        raw = {}
        for name, watcher in watchers.items():
            first: dict[tuple[str, str], int] = {}
            for op, stamp, text in watcher.events[marks[name]:]:
                key = (op, text)
                if key in wanted and key not in first:
                    first[key] = stamp
            latencies = [(first[(op, text)] - start) / 1e3 for op, text, start, _ in sent if (op, text) in first]
            raw[name] = latencies
            result[name] = {
                "p50_us": percentile(latencies, 0.5), "p99_us": percentile(latencies, 0.99),
                "max_us": max(latencies) if latencies else None,
                "reported": len(latencies), "missed": len(sent) - len(latencies),
            }
        result["raw_us"] = {name: sorted(values) for name, values in raw.items()}
        return result

    # -- 2. bursts

    def burst_phase(self, label: str, commands: str, targets: set[str], adding: bool,
                    daemon: Daemon, watchers: dict[str, Watcher]) -> dict:
        restarted = self.restart_dead(watchers, daemon)
        status_before = get_status(daemon.socket_path)
        marks = {name: len(watcher.events) for name, watcher in watchers.items()}
        note_marks = {name: len(watcher.notes) for name, watcher in watchers.items()}
        trackers = {name: {"index": marks[name], "present": set() if adding else set(targets), "reported": set(),
                           "done_at": None, "last_event": None} for name in watchers}
        log(f"burst {label}: ip -batch of {len(commands.splitlines())} commands")
        kernel_done = threading.Event()
        timing = {}

        def run_batch() -> None:
            try:
                timing["start"] = now_ns()
                timing["kernel_s"] = self.namespace.batch(commands)
            except Exception as error:  # noqa: BLE001
                timing["error"] = str(error)
            finally:
                timing["end"] = now_ns()
                kernel_done.set()

        expected_count = status_before["addresses"] + (len(targets) if adding else -len(targets))
        table = {}
        stop_polling = threading.Event()

        def poll_table() -> None:
            """The daemon's table, as opposed to what one subscriber was sent: GetStatus until the
            address count is the kernel's and the table is synced."""
            while not stop_polling.is_set():
                try:
                    status = get_status(daemon.socket_path)
                except (OSError, RuntimeError):
                    status = {}
                if status.get("addresses") == expected_count and status.get("synced"):
                    table["at"] = now_ns()
                    return
                time.sleep(self.options.table_poll_ms / 1e3)

        poller = threading.Thread(target=poll_table, daemon=True)
        thread = threading.Thread(target=run_batch, daemon=True)
        thread.start()
        poller.start()
        quiet_ns = int(self.options.quiet_seconds * 1e9)
        hard_deadline = time.monotonic() + self.options.burst_timeout
        pending = set(watchers)
        while pending and time.monotonic() < hard_deadline:
            time.sleep(0.05)
            for name in list(pending):
                tracker = trackers[name]
                events = watchers[name].events
                end = len(events)
                for op, stamp, text in events[tracker["index"]:end]:
                    tracker["last_event"] = stamp
                    if text not in targets:
                        continue
                    if op in ("+", "="):
                        tracker["present"].add(text)
                        if adding:
                            tracker["reported"].add(text)
                    elif op == "-":
                        tracker["present"].discard(text)
                        if not adding:
                            tracker["reported"].add(text)
                    if tracker["done_at"] is None and len(tracker["reported"]) == len(targets) and (
                            len(tracker["present"]) == (len(targets) if adding else 0)):
                        tracker["done_at"] = stamp
                tracker["index"] = end
                if tracker["done_at"] is not None:
                    pending.discard(name)
                elif kernel_done.is_set():
                    last = max(tracker["last_event"] or 0, timing["end"])
                    if not watchers[name].alive or now_ns() - last > quiet_ns:
                        pending.discard(name)
        kernel_done.wait()
        thread.join()
        poller.join(max(0.0, min(30.0, hard_deadline - time.monotonic())))
        stop_polling.set()
        if "error" in timing:
            raise RuntimeError(f"burst {label}: {timing['error']}")
        result = {"kernel_s": timing["kernel_s"], "targets": len(targets), "restarted_before": restarted}
        for name, watcher in watchers.items():
            tracker = trackers[name]
            events = watcher.events[marks[name]:tracker["index"]]
            counts = {op: sum(1 for e in events if e[0] == op) for op in ("+", "-", "~")}
            done = tracker["done_at"]
            result[name] = {
                "converged": done is not None,
                "converge_s": (done - timing["start"]) / 1e9 if done else None,
                "ratio_to_kernel": ((done - timing["start"]) / 1e9) / timing["kernel_s"] if done else None,
                "reported": len(tracker["reported"]),
                "lost": len(targets) - len(tracker["reported"]),
                "events": counts,
                "errors": watcher.errors_since(note_marks[name])[:5],
                "error_count": len(watcher.errors_since(note_marks[name])),
                "stopped": not watcher.alive,
                "last_event_s": ((tracker["last_event"] or timing["start"]) - timing["start"]) / 1e9,
            }
        status_after = get_status(daemon.socket_path)
        check = compare_with_kernel(daemon.socket_path, self.namespace)
        listed = check.pop("listed_addresses")
        view = self.watch_view(watchers["bindwatch"])
        check["watch_view_exact"] = view == listed if view is not None else None
        dropped = any(kind == "X" for kind, _, _ in watchers["bindwatch"].notes[note_marks["bindwatch"]:])
        result["bindwatch"].update({
            "table_converge_s": (table["at"] - timing["start"]) / 1e9 if "at" in table else None,
            "subscriber_dropped": dropped,
            "exact": check["exact"] and bool(check["watch_view_exact"]),
            "check": check,
            "resyncs": status_after["resyncs"] - status_before["resyncs"],
            "synced": status_after["synced"],
            "netlink_messages": status_after["netlinkMessages"] - status_before["netlinkMessages"],
            "rss_kib": rss_kib(daemon.pid),
        })
        for name in ("ip_monitor", "pyroute2"):
            result[name]["exact"] = result[name]["converged"] and result[name]["lost"] == 0
        summary = ", ".join(
            f"{n} {'%.2f s' % result[n]['converge_s'] if result[n]['converged'] else 'did not converge (%d lost)' % result[n]['lost']}"
            for n in watchers)
        log(f"burst {label}: kernel {timing['kernel_s']:.2f} s; {summary}; bindwatch exact={result['bindwatch']['exact']}"
            f" resyncs={result['bindwatch']['resyncs']}")
        return result

    def watch_view(self, watcher: Watcher) -> set[str] | None:
        """The bindwatch subscriber's own view: its snapshot plus every event since."""
        if not watcher.alive:
            return None
        view: set[str] = set()
        for op, _, text in watcher.events[watcher.start_index:]:
            if op in ("+", "=", "~"):
                view.add(text)
            elif op == "-":
                view.discard(text)
        return view

    def measure_burst(self, size_index: int, size: int, round_index: int, daemon: Daemon,
                      watchers: dict[str, Watcher], startup: bool) -> dict:
        links = self.links_for(size)
        per_link = math.ceil(size / len(links))
        prefix_base = 0x1000 * (size_index + 1) + 0x40 * round_index
        lines, texts = [], set()
        for k, link in enumerate(links):
            for i in range(min(per_link, size - k * per_link)):
                text = address(prefix_base + k, i + 1)
                texts.add(text)
                lines.append(f"addr add {text}/64 dev {link} nodad")
        remove_mode = "addr-del" if size <= self.options.addr_del_max else self.options.large_removal
        result = {"size": size, "links": len(links), "remove_mode": remove_mode}
        result["add"] = self.burst_phase(f"{size} add", "\n".join(lines) + "\n", texts, True, daemon, watchers)
        if startup:
            result["startup"] = self.measure_startup(size)
        if remove_mode == "addr-del":
            removal = "\n".join(line.replace("addr add", "addr del").replace(" nodad", "") for line in lines) + "\n"
        elif remove_mode == "link-down":
            removal = "".join(f"link set dev {link} down\n" for link in links)
        else:
            removal = "".join(f"link del {link}\n" for link in links)
        result["remove"] = self.burst_phase(f"{size} remove ({remove_mode})", removal, texts, False, daemon, watchers)
        if remove_mode == "link-down":
            self.namespace.batch("".join(f"link set dev {link} up\n" for link in links))
        elif remove_mode == "link-del":
            self.namespace.batch("".join(self.namespace.link_commands(link) for link in links))
        return result

    # -- 3. start-up, 4. memory with many addresses

    def fresh_daemon(self, name: str) -> tuple[float, dict, Daemon]:
        daemon = Daemon(self.options.bindwatchd, self.workdir, name, self.daemon_extra)
        seconds = daemon.start()
        time.sleep(self.options.settle_seconds)
        return seconds, rss_parts(daemon.pid), daemon

    def measure_startup(self, size: int) -> dict:
        rounds = []
        addresses = None
        for attempt in range(self.options.startup_rounds):
            start = now_ns()
            subprocess.run(["ip", "-j", "addr", "show"], stdout=subprocess.DEVNULL, check=True)
            dump_s = (now_ns() - start) / 1e9
            seconds, rss, daemon = self.fresh_daemon(f"startup-{attempt}")
            status = get_status(daemon.socket_path)
            addresses = status["addresses"]
            counters = thread_counters(daemon.pid)
            daemon.stop()
            rounds.append({"bindwatch_s": seconds, "ip_dump_s": dump_s, "ratio": seconds / dump_s,
                           "rss_kib": rss.get("rss_kib"), "anon_kib": rss.get("anon_kib"), "file_kib": rss.get("file_kib"),
                           "cpu_ms": counters["ticks"] * 1000 / os.sysconf("SC_CLK_TCK")})
            log(f"start-up with {addresses} addresses: bindwatchd {seconds * 1e3:.1f} ms to first answer, "
                f"ip -j addr show {dump_s * 1e3:.1f} ms; RSS {rss.get('rss_kib')} KiB ({rss.get('anon_kib')} KiB anonymous)")
        return {"addresses": addresses, "size": size, "attempts": rounds}

    # -- 5. serving

    def measure_serving(self, round_index: int) -> dict:
        options = self.options
        daemon = Daemon(options.bindwatchd, self.workdir, f"serve-{round_index}",
                        self.daemon_extra + ["--max-connections-per-user", "2000"])
        daemon.start()
        try:
            base = get_status(daemon.socket_path)["addresses"]
            texts = [address(0xC000 + round_index, i + 1) for i in range(options.list_addresses)]
            self.namespace.batch("".join(f"addr add {t}/64 dev bwl0 nodad\n" for t in texts))
            expected = base + len(texts)
            self.wait_for(lambda: get_status(daemon.socket_path)["addresses"] == expected, 60, "the daemon to see them")
            result = {"rss_kib_before": rss_kib(daemon.pid), "addresses": expected}
            if options.list_seconds > 0:
                log(f"serving: List over {expected} addresses from {options.list_clients} clients for {options.list_seconds:g} s")
                load = subprocess.run(
                    [PYTHON, str(HELPERS / "list_load.py"), daemon.socket_path, "--clients", str(options.list_clients),
                     "--duration", str(options.list_seconds)], check=True, capture_output=True, text=True)
                result["list"] = json.loads(load.stdout)
                result["list"]["addresses"] = expected
            if options.fanout_changes > 0:
                fanout = self.measure_fanout(round_index, daemon)
                fanout["rss_kib_with_subscribers"] = fanout.pop("rss_kib", None)
                result["fanout"] = fanout
            self.namespace.batch("".join(f"addr del {t}/64 dev bwl0\n" for t in texts))
            return result
        finally:
            daemon.stop()

    def measure_fanout(self, round_index: int, daemon: Daemon) -> dict:
        options = self.options
        count = options.fanout_changes // 2
        texts = [address(0xD000 + round_index, i + 1) for i in range(count)]
        messages = [(True, t, self.changes.build(True, self.ifindex["bwl0"], t)) for t in texts]
        messages += [(False, t, self.changes.build(False, self.ifindex["bwl0"], t)) for t in texts]
        log(f"fan-out: {options.fanout_subscribers} Watch subscribers")
        process = CHILDREN.start(
            [PYTHON, str(HELPERS / "fanout.py"), daemon.socket_path, "--subscribers", str(options.fanout_subscribers),
             "--expect", str(len(messages)), "--timeout", str(max(120.0, len(messages) * 2.0))],
            stdout=subprocess.PIPE, text=True)
        try:
            ready = process.stdout.readline().split()
            if not ready or ready[0] != "READY":
                raise RuntimeError(f"fanout helper failed: {ready}")
            subscribe_s, snapshot_bytes, closed_early = float(ready[2]), int(ready[3]), int(ready[4])
            rss = rss_kib(daemon.pid)
            subscribers = get_status(daemon.socket_path)["subscribers"]
            log(f"fan-out: {subscribers} subscribed in {subscribe_s:.2f} s ({snapshot_bytes / 1e6:.0f} MB of snapshots); "
                f"{len(messages)} changes {options.fanout_spacing_ms:g} ms apart")
            sent = []
            for add, text, message in messages:
                start, _ = self.changes.send(message)
                sent.append(("added" if add else "removed", text, start))
                time.sleep(options.fanout_spacing_ms / 1e3)
            output = process.stdout.readline()
            process.wait(60)
        finally:
            CHILDREN.stop(process)
        data = json.loads(output)
        arrivals = data["arrivals"]
        to_all, deliveries, incomplete = [], [], 0
        for kind, text, start in sent:
            stamps = arrivals.get(f"{kind} {text}", [])
            deliveries += [(stamp - start) / 1e6 for stamp in stamps]
            if len(stamps) < options.fanout_subscribers - closed_early:
                incomplete += 1
            elif stamps:
                to_all.append((max(stamps) - start) / 1e6)
        return {
            "subscribers": subscribers, "subscribe_s": subscribe_s, "snapshot_bytes": snapshot_bytes,
            "changes": len(sent), "incomplete_changes": incomplete, "closed": data["closed"],
            "to_all_ms_p50": percentile(to_all, 0.5), "to_all_ms_p99": percentile(to_all, 0.99),
            "delivery_ms_p50": percentile(deliveries, 0.5), "delivery_ms_p99": percentile(deliveries, 0.99),
            "rss_kib": rss,
        }

    # -- a round

    def run_round(self, round_index: int) -> dict:
        options = self.options
        result: dict = {"round": round_index + 1}
        log(f"round {round_index + 1} of {options.rounds}")
        # 4. memory, idle and fresh: the main daemon before anything connects.
        seconds, rss, daemon = self.fresh_daemon(f"main-{round_index}")
        status = get_status(daemon.socket_path)
        self.results["meta"]["bindwatchd_version"] = status.get("version")
        result["memory"] = {"fresh_rss_kib": rss.get("rss_kib"), "fresh_anon_kib": rss.get("anon_kib"),
                            "fresh_file_kib": rss.get("file_kib"), "fresh_addresses": status["addresses"]}
        result["startup_small"] = {"bindwatch_s": seconds}
        # A handful of addresses.
        self.namespace.batch(
            "addr add 192.0.2.1/24 dev bwl0\n" + "".join(
                f"addr add 2001:db8:ff{round_index:02x}::{i}/64 dev bwl0 nodad\n" for i in range(1, 4)))
        watchers = self.start_watchers(daemon)
        try:
            if options.idle_seconds > 0:
                result["idle"] = self.measure_idle(daemon, watchers)
                result["memory"]["idle_rss_kib"] = result["idle"]["bindwatch"]["rss_kib"]
                result["memory"]["idle_addresses"] = get_status(daemon.socket_path)["addresses"]
            standby = watchers.pop("bindwatch_b")
            first = self.measure_latency(2 * round_index, watchers, daemon.pid)
            # Second pass: the other connection subscribes and becomes the bindwatch watcher for
            # the rest of the round.
            watchers["bindwatch"].stop()
            standby.name = "bindwatch"
            standby.subscribe()
            if not standby.ready.wait(60):
                raise TimeoutError("the second bindwatch subscriber did not start")
            watchers["bindwatch"] = standby
            self.probe(watchers)
            second = self.measure_latency(2 * round_index + 1, watchers, daemon.pid)
            result["latency"] = combine_latency(first, second)
            result["bursts"] = {}
            startup_size = max(options.sizes) if options.sizes else None
            for size_index, size in enumerate(options.sizes):
                if size > options.large_threshold and round_index >= options.large_rounds:
                    continue
                result["bursts"][str(size)] = self.measure_burst(
                    size_index, size, round_index, daemon, watchers, startup=size == startup_size)
                if size == startup_size:
                    result["memory"]["after_burst_rss_kib"] = result["bursts"][str(size)]["add"]["bindwatch"]["rss_kib"]
        finally:
            for watcher in watchers.values():
                watcher.stop()
            daemon.stop()
            self.namespace.batch(
                "addr del 192.0.2.1/24 dev bwl0\n" + "".join(
                    f"addr del 2001:db8:ff{round_index:02x}::{i}/64 dev bwl0\n" for i in range(1, 4)), force=True)
        if options.list_seconds > 0 or options.fanout_changes > 0:
            result["serving"] = self.measure_serving(round_index)
        return result

    def run(self) -> dict:
        options = self.options
        started = time.time()
        self.results["meta"] = {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "quick": options.quick,
            "options": {k: v for k, v in vars(options).items() if k not in ("bindwatchd",)},
            "kernel": platform.release(),
            "cpus": os.cpu_count(),
            "load_average_start": os.getloadavg(),
            "iproute2": subprocess.run(["ip", "-V"], capture_output=True, text=True).stdout.strip(),
            "pyroute2": __import__("pyroute2").__version__,
            "python": platform.python_version(),
            "commit": subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True).stdout.strip(),
        }
        self.setup()
        for round_index in range(options.rounds):
            self.results["rounds"].append(self.run_round(round_index))
            self.write()
        self.results["meta"]["seconds"] = time.time() - started
        self.results["meta"]["load_average_end"] = os.getloadavg()
        self.results["summary"] = summarize(self.results)
        self.write()
        return self.results

    def write(self) -> None:
        path = Path(self.options.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.results, indent=1, default=str) + "\n")


# MARK: - Summary and report


def stats(values) -> dict | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def summarize(results: dict) -> dict:
    rounds = results["rounds"]
    summary: dict = {}

    def put(key: str, values) -> None:
        value = stats(values)
        if value:
            summary[key] = value

    for name in WATCHERS + ("bindwatch_b", "bindwatch_faster", "bindwatch_slower"):
        put(f"latency.{name}.p50_us", [r["latency"][name]["p50_us"] for r in rounds if name in r["latency"]])
        put(f"latency.{name}.p99_us", [r["latency"][name]["p99_us"] for r in rounds if name in r["latency"]])
        put(f"latency.{name}.missed", [r["latency"][name]["missed"] for r in rounds if name in r["latency"]])
    put("latency.kernel_ack_us_p50", [r["latency"]["kernel_ack_us_p50"] for r in rounds])
    put("latency.daemon_cpu_us_per_change", [r["latency"].get("daemon_cpu_us_per_change") for r in rounds])
    put("latency.ip_monitor_cpu_us_per_change", [r["latency"].get("ip_monitor_cpu_us_per_change") for r in rounds])
    put("latency.daemon_system_share", [r["latency"].get("daemon_system_share") for r in rounds])
    put("latency.daemon_cpu_ratio_to_ip_monitor",
        [r["latency"]["daemon_cpu_us_per_change"] / r["latency"]["ip_monitor_cpu_us_per_change"] for r in rounds
         if r["latency"].get("daemon_cpu_us_per_change") and r["latency"].get("ip_monitor_cpu_us_per_change")])
    put("latency.daemon_wakeups_per_change", [r["latency"].get("daemon_wakeups_per_change") for r in rounds])
    for peer in ("ip_monitor", "pyroute2"):
        for which in ("faster", "slower"):
            for pct in ("p50", "p99"):
                put(f"latency.ratio_{pct}.bindwatch_{which}_vs_{peer}",
                    [r["latency"][f"bindwatch_{which}"].get(f"ratio_{pct}_vs_{peer}")
                     for r in rounds if f"bindwatch_{which}" in r["latency"]])
        put(f"latency.ratio_p50.bindwatch_vs_{peer}",
            [r["latency"]["bindwatch"]["p50_us"] / r["latency"][peer]["p50_us"]
             for r in rounds if r["latency"][peer]["p50_us"] and r["latency"]["bindwatch"]["p50_us"]])
        put(f"latency.ratio_p99.bindwatch_vs_{peer}",
            [r["latency"]["bindwatch"]["p99_us"] / r["latency"][peer]["p99_us"]
             for r in rounds if r["latency"][peer]["p99_us"] and r["latency"]["bindwatch"]["p99_us"]])

    sizes = sorted({int(s) for r in rounds for s in r.get("bursts", {})})
    for size in sizes:
        bursts = [r["bursts"][str(size)] for r in rounds if str(size) in r.get("bursts", {})]
        for phase in ("add", "remove"):
            prefix = f"burst.{size}.{phase}"
            put(f"{prefix}.kernel_s", [b[phase]["kernel_s"] for b in bursts])
            for name in WATCHERS:
                put(f"{prefix}.{name}.converge_s", [b[phase][name]["converge_s"] for b in bursts])
                put(f"{prefix}.{name}.ratio_to_kernel", [b[phase][name]["ratio_to_kernel"] for b in bursts])
                put(f"{prefix}.{name}.lost", [b[phase][name]["lost"] for b in bursts])
                summary[f"{prefix}.{name}.converged_rounds"] = sum(1 for b in bursts if b[phase][name]["converged"])
                summary[f"{prefix}.{name}.enobufs_rounds"] = sum(
                    1 for b in bursts if any("105" in e or "ENOBUFS" in e for e in b[phase][name]["errors"]))
                summary[f"{prefix}.{name}.stopped_rounds"] = sum(1 for b in bursts if b[phase][name]["stopped"])
            summary[f"{prefix}.rounds"] = len(bursts)
            summary[f"{prefix}.bindwatch.exact_rounds"] = sum(1 for b in bursts if b[phase]["bindwatch"]["exact"])
            summary[f"{prefix}.bindwatch.table_exact_rounds"] = sum(
                1 for b in bursts if b[phase]["bindwatch"]["check"]["exact"])
            summary[f"{prefix}.bindwatch.dropped_rounds"] = sum(
                1 for b in bursts if b[phase]["bindwatch"].get("subscriber_dropped"))
            put(f"{prefix}.bindwatch.table_converge_s", [b[phase]["bindwatch"].get("table_converge_s") for b in bursts])
            put(f"{prefix}.bindwatch.table_ratio_to_kernel",
                [b[phase]["bindwatch"]["table_converge_s"] / b[phase]["kernel_s"] for b in bursts
                 if b[phase]["bindwatch"].get("table_converge_s")])
            put(f"{prefix}.bindwatch.resyncs", [b[phase]["bindwatch"]["resyncs"] for b in bursts])
            summary[f"{prefix}.remove_mode"] = bursts[0]["remove_mode"]
            summary[f"{prefix}.links"] = bursts[0]["links"]
        startups = [a for b in bursts if "startup" in b for a in b["startup"]["attempts"]]
        if startups:
            summary["startup.size"] = size
            summary["startup.addresses"] = next(b["startup"]["addresses"] for b in bursts if "startup" in b)
            put("startup.bindwatch_s", [a["bindwatch_s"] for a in startups])
            put("startup.ip_dump_s", [a["ip_dump_s"] for a in startups])
            put("startup.ratio", [a["ratio"] for a in startups])
            put("memory.loaded_rss_kib", [a["rss_kib"] for a in startups])
            put("memory.loaded_anon_kib", [a.get("anon_kib") for a in startups])
            put("startup.cpu_ms", [a["cpu_ms"] for a in startups])

    put("startup.small_bindwatch_s", [r["startup_small"]["bindwatch_s"] for r in rounds])
    put("memory.fresh_rss_kib", [r["memory"]["fresh_rss_kib"] for r in rounds])
    put("memory.fresh_anon_kib", [r["memory"].get("fresh_anon_kib") for r in rounds])
    put("memory.fresh_file_kib", [r["memory"].get("fresh_file_kib") for r in rounds])
    put("memory.idle_rss_kib", [r["memory"].get("idle_rss_kib") for r in rounds])
    put("memory.after_burst_rss_kib", [r["memory"].get("after_burst_rss_kib") for r in rounds])
    if "memory.loaded_rss_kib" in summary:
        fresh = summary["memory.fresh_rss_kib"]["median"]
        base = statistics.median(r["memory"]["fresh_addresses"] for r in rounds)
        loaded = summary["startup.addresses"]
        per = [(a["rss_kib"] - fresh) * 1024 / (loaded - base)
               for r in rounds for b in r.get("bursts", {}).values() if "startup" in b for a in b["startup"]["attempts"]]
        put("memory.bytes_per_address", per)
        if "memory.fresh_anon_kib" in summary:
            fresh_anon = summary["memory.fresh_anon_kib"]["median"]
            put("memory.anon_bytes_per_address",
                [(a["anon_kib"] - fresh_anon) * 1024 / (loaded - base)
                 for r in rounds for b in r.get("bursts", {}).values() if "startup" in b
                 for a in b["startup"]["attempts"] if a.get("anon_kib") is not None])

    for name in WATCHERS:
        for field in ("voluntary_switches", "nonvoluntary_switches", "cpu_ms", "rss_kib"):
            put(f"idle.{name}.{field}", [r["idle"][name][field] for r in rounds if "idle" in r])
    for name in WATCHERS:
        put(f"idle.{name}.thread_churn",
            [len(r["idle"][name].get("threads_started", [])) + len(r["idle"][name].get("threads_exited", []))
             for r in rounds if "idle" in r])
    if any("idle" in r for r in rounds):
        summary["idle.seconds"] = next(r["idle"]["bindwatch"]["seconds"] for r in rounds if "idle" in r)

    serving = [r["serving"] for r in rounds if "list" in r.get("serving", {})]
    if serving:
        put("serving.list_rps", [s["list"]["requests_per_second"] for s in serving])
        put("serving.list_ms_p50", [s["list"]["latency_ms_p50"] for s in serving])
        put("serving.list_ms_p99", [s["list"]["latency_ms_p99"] for s in serving])
        put("serving.list_client_cpu_share",
            [s["list"]["client_cpu_seconds"] / s["list"]["seconds"] for s in serving])
        summary["serving.list_addresses"] = serving[0]["list"]["addresses"]
        summary["serving.list_clients"] = serving[0]["list"]["clients"]
    serving = [r["serving"] for r in rounds if "fanout" in r.get("serving", {})]
    if serving:
        put("serving.fanout_to_all_ms_p50", [s["fanout"]["to_all_ms_p50"] for s in serving])
        put("serving.fanout_to_all_ms_p99", [s["fanout"]["to_all_ms_p99"] for s in serving])
        put("serving.fanout_delivery_ms_p50", [s["fanout"]["delivery_ms_p50"] for s in serving])
        put("serving.fanout_delivery_ms_p99", [s["fanout"]["delivery_ms_p99"] for s in serving])
        put("serving.fanout_subscribe_s", [s["fanout"]["subscribe_s"] for s in serving])
        put("serving.fanout_rss_kib", [s["fanout"]["rss_kib_with_subscribers"] for s in serving])
        put("serving.rss_kib_before", [s.get("rss_kib_before") for s in serving])
        put("serving.fanout_incomplete", [s["fanout"]["incomplete_changes"] for s in serving])
        summary["serving.fanout_subscribers"] = serving[0]["fanout"]["subscribers"]
    return summary


def fmt(value, digits=2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def row(summary: dict, key: str, label: str, unit: str = "", scale: float = 1.0, digits: int = 2,
        ratio: str = "", target: str = "", met=None) -> str | None:
    value = summary.get(key)
    if value is None:
        return None
    cells = [fmt(value["median"] * scale, digits), fmt(value["min"] * scale, digits), fmt(value["max"] * scale, digits)]
    verdict = "" if met is None else ("met" if met else "**missed**")
    return f"| {label} | {unit} | {' | '.join(cells)} | {value['n']} | {ratio} | {target} | {verdict} |"


def markdown(results: dict) -> str:
    summary = results["summary"]
    meta = results["meta"]
    s = summary.get
    lines = [
        f"Run of {meta['started']}{' (--quick)' if meta['quick'] else ''}: kernel {meta['kernel']}, {meta['cpus']} CPUs, "
        f"load average {meta['load_average_start'][0]:.1f} at start and {meta.get('load_average_end', [0])[0]:.1f} at end; "
        f"{len(results['rounds'])} round(s); {meta.get('seconds', 0) / 60:.1f} min.",
        "",
        "| measurement | unit | median | min | max | rounds | ratio (median) | target | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def ratio_text(key: str, what: str) -> str:
        value = s(key)
        return f"{value['median']:.2f}× {what} ({value['min']:.2f}–{value['max']:.2f})" if value else ""

    def add(line):
        if line:
            lines.append(line)

    # 1. latency
    if s("latency.bindwatch_slower.p50_us"):
        # Two passes, each with its own subscriber: the target holds for the slower one.
        names = [("bindwatch_faster", "bindwatch, faster pass"),
                 ("bindwatch_slower", "bindwatch, slower pass"),
                 ("ip_monitor", "ip monitor"), ("pyroute2", "pyroute2")]
    else:
        names = [(name, LABELS[name]) for name in WATCHERS]
    for pct in ("p50", "p99"):
        for name, label in names:
            extra = {}
            if name.startswith("bindwatch"):
                key = name if name != "bindwatch" else "bindwatch"
                ratio = s(f"latency.ratio_{pct}.{key}_vs_ip_monitor")
                extra = dict(ratio=ratio_text(f"latency.ratio_{pct}.{key}_vs_ip_monitor", "ip monitor") + (
                    "; " + ratio_text(f"latency.ratio_{pct}.{key}_vs_pyroute2", "pyroute2") if pct == "p50" else ""))
                if pct == "p50" and name in ("bindwatch", "bindwatch_slower"):
                    extra.update(target="≤ 1.5× ip monitor", met=ratio["median"] <= 1.5 if ratio else None)
            add(row(summary, f"latency.{name}.{pct}_us", f"1. latency {pct}, {label}", "µs", **extra))
    for name, label in names:
        value = s(f"latency.{name}.missed")
        if value and value["max"]:
            add(row(summary, f"latency.{name}.missed", f"1. latency: changes never reported, {label}", "changes", digits=0))
    add(row(summary, "latency.kernel_ack_us_p50", "1. kernel's ACK to the change (p50)", "µs"))
    wakeups = s("latency.daemon_wakeups_per_change")
    add(row(summary, "latency.daemon_wakeups_per_change", "1. bindwatchd wake-ups per change (voluntary switches, all threads)",
            "", digits=2, target="1", met=wakeups["median"] <= 1.05 if wakeups else None))
    cpu = s("latency.daemon_cpu_us_per_change")
    add(row(summary, "latency.daemon_cpu_us_per_change", "1. bindwatchd CPU per change, all threads", "µs", digits=1,
            ratio=ratio_text("latency.daemon_cpu_ratio_to_ip_monitor", "ip monitor's"),
            target="≤ 30 µs", met=cpu["median"] <= 30 if cpu else None))
    add(row(summary, "latency.daemon_system_share", "1. bindwatchd CPU per change: the kernel's share (stime)", "",
            digits=2))
    add(row(summary, "latency.ip_monitor_cpu_us_per_change", "1. ip monitor CPU per change (the `ip` process)", "µs",
            digits=1))

    # 2. bursts
    for key in sorted(k for k in summary if k.startswith("burst.") and k.endswith(".kernel_s")):
        _, size, phase, _ = key.split(".")
        prefix = f"burst.{size}.{phase}"
        how = "ip -batch addr add … nodad" if phase == "add" else (
            {"addr-del": "ip -batch addr del", "link-down": "ip -batch link set down",
             "link-del": "ip -batch link del"}[s(f"{prefix}.remove_mode")])
        rounds = s(f"{prefix}.rounds")
        title = f"2. burst {int(size):,} {phase} ({how}, {s(f'{prefix}.links')} link(s))"
        add(row(summary, key, f"{title}: kernel applies the batch", "s"))
        for name in WATCHERS:
            converged = s(f"{prefix}.{name}.converged_rounds")
            lost = s(f"{prefix}.{name}.lost")
            label = f"{title}: {LABELS[name]} reports the final state"
            if name == "bindwatch":
                exact = s(f"{prefix}.bindwatch.exact_rounds")
                resyncs = s(f"{prefix}.bindwatch.resyncs")
                r = s(f"{prefix}.bindwatch.ratio_to_kernel")
                note = ratio_text(f"{prefix}.bindwatch.ratio_to_kernel", "kernel") + (
                    f"; exact {exact}/{rounds}; resyncs {fmt(resyncs['median'], 0)} "
                    f"({fmt(resyncs['min'], 0)}–{fmt(resyncs['max'], 0)})" if resyncs else "")
                met = (r is not None and r["max"] <= 1.2 and exact == rounds and converged == rounds)
                line = row(summary, f"{prefix}.{name}.converge_s", label, "s", ratio=note, target="≤ 1.2× kernel, exact",
                           met=met)
                if line is None:
                    line = f"| {label} | s | did not converge | | | {rounds} | exact {exact}/{rounds} | ≤ 1.2× kernel, exact | **missed** |"
                add(line)
                dropped = s(f"{prefix}.bindwatch.dropped_rounds")
                table_note = ratio_text(f"{prefix}.bindwatch.table_ratio_to_kernel", "kernel") + (
                    f"; List = kernel {s(f'{prefix}.bindwatch.table_exact_rounds')}/{rounds}")
                if dropped:
                    table_note += f"; the daemon dropped the subscriber (65,536 queued) in {dropped}/{rounds}"
                add(row(summary, f"{prefix}.bindwatch.table_converge_s",
                        f"{title}: bindwatch's table has the final count (GetStatus poll)", "s", ratio=table_note))
            else:
                note = ratio_text(f"{prefix}.{name}.ratio_to_kernel", "kernel")
                note = (note + "; " if note else "") + f"converged {converged}/{rounds}"
                if lost and lost["max"]:
                    note += f"; lost {fmt(lost['median'], 0)} (max {fmt(lost['max'], 0)}) of {int(size):,}"
                enobufs = s(f"{prefix}.{name}.enobufs_rounds")
                stopped = s(f"{prefix}.{name}.stopped_rounds")
                if enobufs:
                    note += f"; ENOBUFS in {enobufs}/{rounds}"
                if stopped:
                    note += f"; stopped in {stopped}/{rounds}"
                line = row(summary, f"{prefix}.{name}.converge_s", label, "s", ratio=note)
                if line is None:
                    line = f"| {label} | s | never | | | {rounds} | {note} | | |"
                add(line)

    # 3. start-up
    if s("startup.bindwatch_s"):
        r = s("startup.ratio")
        add(row(summary, "startup.bindwatch_s", f"3. start-up with {s('startup.addresses'):,} addresses: bindwatchd exec → first answer",
                "ms", scale=1e3, ratio=ratio_text("startup.ratio", "ip -j addr show"), target="≤ 2× ip dump",
                met=r["median"] <= 2.0 if r else None))
        add(row(summary, "startup.ip_dump_s", f"3. start-up: ip -j addr show with {s('startup.addresses'):,} addresses", "ms", scale=1e3))
        add(row(summary, "startup.cpu_ms", "3. start-up: bindwatchd CPU time until answered (all threads)", "ms"))
    add(row(summary, "startup.small_bindwatch_s", "3. start-up, a handful of addresses: exec → first answer", "ms", scale=1e3))

    # 4. memory
    fresh = s("memory.fresh_rss_kib")
    add(row(summary, "memory.fresh_rss_kib", "4. RSS idle, just started (a handful of addresses)", "MiB", scale=1 / 1024,
            target="≤ 20 MiB", met=fresh["median"] / 1024 <= 20 if fresh else None))
    add(row(summary, "memory.fresh_anon_kib", "4. … of which anonymous (heap)", "MiB", scale=1 / 1024))
    add(row(summary, "memory.fresh_file_kib", "4. … of which file-backed (the mapped binary)", "MiB", scale=1 / 1024))
    add(row(summary, "memory.idle_rss_kib", "4. RSS idle, after the idle period (1 subscriber)", "MiB", scale=1 / 1024))
    for name in ("ip_monitor", "pyroute2"):
        add(row(summary, f"idle.{name}.rss_kib", f"4. RSS idle, {LABELS[name]} (for comparison)", "MiB", scale=1 / 1024))
    if s("startup.addresses"):
        add(row(summary, "memory.loaded_rss_kib", f"4. RSS just started with {s('startup.addresses'):,} addresses", "MiB", scale=1 / 1024))
        per = s("memory.bytes_per_address")
        add(row(summary, "memory.loaded_anon_kib", "4. … of which anonymous (heap)", "MiB", scale=1 / 1024))
        add(row(summary, "memory.bytes_per_address", "4. bytes per address beyond idle (RSS)", "B", digits=0,
                target="≤ 200 B", met=per["median"] <= 200 if per else None))
        add(row(summary, "memory.anon_bytes_per_address", "4. bytes per address beyond idle (anonymous only)", "B", digits=0))
        add(row(summary, "memory.after_burst_rss_kib", f"4. RSS after the {s('startup.size'):,} burst (running daemon)", "MiB", scale=1 / 1024))

    # 5. serving
    if s("serving.list_rps"):
        add(row(summary, "serving.list_rps",
                f"5. List (all) over {s('serving.list_addresses'):,} addresses, {s('serving.list_clients')} clients", "req/s", digits=0))
        add(row(summary, "serving.list_ms_p50", "5. List latency p50 under that load", "ms"))
        add(row(summary, "serving.list_ms_p99", "5. List latency p99 under that load", "ms"))
        add(row(summary, "serving.list_client_cpu_share", "5. List load: the Python clients' own CPU use", "cores"))
    if s("serving.fanout_subscribers"):
        n = s("serving.fanout_subscribers")
        add(row(summary, "serving.fanout_to_all_ms_p50", f"5. one change reaches all {n:,} Watch subscribers, p50", "ms"))
        add(row(summary, "serving.fanout_to_all_ms_p99", f"5. one change reaches all {n:,} Watch subscribers, p99", "ms"))
        add(row(summary, "serving.fanout_delivery_ms_p50", "5. fan-out, each delivery p50", "ms"))
        add(row(summary, "serving.fanout_delivery_ms_p99", "5. fan-out, each delivery p99", "ms"))
        add(row(summary, "serving.fanout_subscribe_s", f"5. {n:,} subscribers connect and read their snapshots", "s"))
        add(row(summary, "serving.rss_kib_before", "5. RSS of the serving daemon before any client", "MiB", scale=1 / 1024))
        add(row(summary, "serving.fanout_rss_kib", f"5. RSS with {n:,} subscribers", "MiB", scale=1 / 1024))

    # 6. idle
    if s("idle.seconds"):
        seconds = s("idle.seconds")
        for name in WATCHERS:
            extra = {}
            if name == "bindwatch":
                v = s("idle.bindwatch.voluntary_switches")
                extra = dict(target="0", met=v["max"] == 0 if v else None)
            add(row(summary, f"idle.{name}.voluntary_switches",
                    f"6. idle {seconds:g} s: voluntary context switches, {LABELS[name]}", "", digits=0, **extra))
            c = s(f"idle.{name}.cpu_ms")
            add(row(summary, f"idle.{name}.cpu_ms", f"6. idle {seconds:g} s: CPU time, {LABELS[name]} (live threads)",
                    "ms", digits=3, **({"target": "0", "met": c["max"] == 0 if c else None} if name == "bindwatch" else {})))
            churn = s(f"idle.{name}.thread_churn")
            if churn and churn["max"]:
                add(row(summary, f"idle.{name}.thread_churn",
                        f"6. idle {seconds:g} s: threads that started or exited, {LABELS[name]}", "threads", digits=0,
                        **({"target": "0", "met": False} if name == "bindwatch" else {})))
    return "\n".join(lines) + "\n"


# MARK: - Options and main


def parse_options(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bindwatchd", help="the bindwatchd binary (bench/run passes it)")
    parser.add_argument("--report", metavar="JSON", help="print the markdown table of an earlier run's results and exit")
    parser.add_argument("--quick", action="store_true",
                        help="a fast smoke run: smaller defaults for everything not given explicitly")
    parser.add_argument("--rounds", type=int, help="rounds (default 5; quick 2)")
    parser.add_argument("--sizes", help="burst sizes, comma-separated (default 10000,100000; quick 10000)")
    parser.add_argument("--large-threshold", type=int, default=20000,
                        help="sizes above this run only in the first --large-rounds rounds (default 20000)")
    parser.add_argument("--large-rounds", type=int, default=1, help="rounds that run the large sizes (default 1)")
    parser.add_argument("--per-link", type=int, default=0,
                        help="addresses per veth link in a burst; 0 puts each burst on one link (default)")
    parser.add_argument("--addr-del-max", type=int, default=10000,
                        help="remove bursts up to this size with `addr del`; larger ones with `link set down` "
                             "(default 10000: the kernel's IPv6 `addr del` walks the whole FIB)")
    parser.add_argument("--large-removal", choices=("link-down", "link-del"), default="link-down",
                        help="how bursts above --addr-del-max are removed: set the links down (the kernel deletes "
                             "their IPv6 addresses) or delete them (default link-down)")
    parser.add_argument("--startup-rounds", type=int, help="start-up measurements with the largest burst present (default: --rounds)")
    parser.add_argument("--latency-changes", type=int, help="changes for the latency test, half adds, half removals (default 2000; quick 1000)")
    parser.add_argument("--latency-spacing-ms", type=float, default=2.0, help="time between changes (default 2 ms)")
    parser.add_argument("--idle-seconds", type=float, help="idle measurement length (default 60; quick 5)")
    parser.add_argument("--idle-settle", type=float, default=1.0,
                        help="wait this long after the last change before the idle window opens (default 1 s)")
    parser.add_argument("--list-seconds", type=float, help="List load length (default 10; quick 3)")
    parser.add_argument("--list-clients", type=int, default=16)
    parser.add_argument("--list-addresses", type=int, default=1000)
    parser.add_argument("--fanout-subscribers", type=int, default=1000)
    parser.add_argument("--fanout-changes", type=int, help="changes sent to the subscribers (default 40; quick 10)")
    parser.add_argument("--fanout-spacing-ms", type=float, default=200.0)
    parser.add_argument("--quiet-seconds", type=float, help="a watcher with no event for this long after the kernel "
                        "finished has stopped converging (default 10; quick 5)")
    parser.add_argument("--burst-timeout", type=float, default=3600.0, help="give up on a burst phase after this long")
    parser.add_argument("--table-poll-ms", type=float, default=20.0,
                        help="how often a burst polls GetStatus for the daemon's own table count (default 20 ms)")
    parser.add_argument("--settle-seconds", type=float, default=0.5, help="wait after start-up before reading RSS")
    parser.add_argument("--daemon-arg", action="append", help="an extra bindwatchd argument (repeatable)")
    parser.add_argument("--output", default=str(HERE / "results" / "latest.json"))
    parser.add_argument("--keep-workdir", action="store_true", help="keep daemon logs and event logs")
    options = parser.parse_args(argv)
    quick = options.quick
    defaults = {
        "rounds": 2 if quick else 5,
        "sizes": "10000" if quick else "10000,100000",
        "latency_changes": 1000 if quick else 2000,
        "idle_seconds": 5.0 if quick else 60.0,
        "list_seconds": 3.0 if quick else 10.0,
        "fanout_changes": 10 if quick else 40,
        "quiet_seconds": 5.0 if quick else 10.0,
    }
    for key, value in defaults.items():
        if getattr(options, key) is None:
            setattr(options, key, value)
    options.sizes = sorted(int(size) for size in str(options.sizes).split(",") if size.strip())
    if options.startup_rounds is None:
        options.startup_rounds = 3 if quick else options.rounds
    return options


def main(argv=None) -> int:
    options = parse_options(argv if argv is not None else sys.argv[1:])
    if options.report:
        results = json.loads(Path(options.report).read_text())
        results["summary"] = summarize(results)
        print(markdown(results))
        return 0
    if not options.bindwatchd:
        print("bindwatch_bench: --bindwatchd is required", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("bindwatch_bench: run as root (it creates a network namespace)", file=sys.stderr)
        return 1
    bench = Bench(options)
    done = threading.Event()

    def cleanup() -> None:
        if not done.is_set():
            done.set()
            bench.teardown()

    atexit.register(cleanup)

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python keeps that.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)
    try:
        results = bench.run()
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        bench.results.setdefault("meta", {})["interrupted"] = True
        bench.write()
        return 130
    finally:
        cleanup()
    print(markdown(results))
    log(f"results: {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
