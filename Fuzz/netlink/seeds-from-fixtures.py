#!/usr/bin/env python3
"""Writes every datagram recorded in Tests/BindwatchDaemonTests/Fixtures/*.nlhex (one hex
datagram a line, '#' comment lines) as a binary seed file for fuzz_netlink.

Usage: seeds-from-fixtures.py OUTPUT_DIRECTORY [FIXTURE...]
"""
import pathlib
import sys


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    output = pathlib.Path(sys.argv[1])
    output.mkdir(parents=True, exist_ok=True)
    root = pathlib.Path(__file__).resolve().parents[2]
    fixtures = [pathlib.Path(p) for p in sys.argv[2:]] or sorted(
        (root / "Tests/BindwatchDaemonTests/Fixtures").glob("*.nlhex"))
    count = 0
    for fixture in fixtures:
        for number, line in enumerate(fixture.read_text().splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            (output / f"{fixture.stem}-{number}.bin").write_bytes(bytes.fromhex(line))
            count += 1
    if count == 0:
        print("seeds-from-fixtures: no datagrams found", file=sys.stderr)
        return 1
    print(f"seeds-from-fixtures: {count} datagrams from {len(fixtures)} fixtures into {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
