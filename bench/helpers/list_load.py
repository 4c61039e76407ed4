#!/usr/bin/env python3
"""`List` load: N client threads, each on its own connection, calling io.bindwatch.List
({"all": true}) back to back for a fixed time. Replies are read to their NUL and not parsed.

Prints one JSON object: requests, seconds, requests per second, per-request latency
percentiles (ms), reply size, and this process's CPU time (so a client-bound result shows).
"""
import argparse
import json
import os
import socket
import threading
import time


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("socket")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args()

    request = json.dumps({"method": "io.bindwatch.List", "parameters": {"all": True}}).encode() + b"\0"
    start_barrier = threading.Barrier(args.clients + 1)
    results = [None] * args.clients
    timing = {}

    def client(index: int) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(args.socket)
        latencies = []
        size = 0
        errors = 0
        start_barrier.wait()
        measure_from = timing["measure_from"]
        stop_at = timing["stop_at"]
        while True:
            t0 = time.monotonic_ns()
            if t0 >= stop_at:
                break
            sock.sendall(request)
            chunks = []
            while True:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("daemon closed the connection")
                chunks.append(chunk)
                if chunk.endswith(b"\0"):
                    break
            t1 = time.monotonic_ns()
            if t0 >= measure_from:
                latencies.append(t1 - t0)
                size = sum(len(c) for c in chunks)
                if b'"error"' in chunks[0][:64]:
                    errors += 1
        sock.close()
        results[index] = (latencies, size, errors)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    now = time.monotonic_ns()
    timing["measure_from"] = now + int(args.warmup * 1e9)
    timing["stop_at"] = timing["measure_from"] + int(args.duration * 1e9)
    cpu0 = os.times()
    start_barrier.wait()
    for thread in threads:
        thread.join()
    cpu1 = os.times()
    latencies = [latency for result in results for latency in result[0]]
    print(json.dumps({
        "clients": args.clients,
        "seconds": args.duration,
        "requests": len(latencies),
        "requests_per_second": len(latencies) / args.duration,
        "latency_ms_p50": (percentile(latencies, 0.5) or 0) / 1e6,
        "latency_ms_p99": (percentile(latencies, 0.99) or 0) / 1e6,
        "reply_bytes": max(result[1] for result in results),
        "errors": sum(result[2] for result in results),
        "client_cpu_seconds": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
    }))


if __name__ == "__main__":
    main()
