"""What the three watchers share: the stamped lines the driver reads on their stdout, written
and flushed together, and a quiet end on Ctrl-C or when the driver closes the pipe."""
import os
import sys
import threading


class StampedOutput:
    """Lines such as `+ <CLOCK_MONOTONIC ns> <address>`, flushed at once: the driver reads them
    as they come. Thread-safe, for watchers that also report from a second thread."""

    def __init__(self) -> None:
        self._out = os.fdopen(sys.stdout.fileno(), "w", buffering=1 << 20)
        self._lock = threading.Lock()

    def write(self, *lines: str) -> None:
        if not lines:
            return
        with self._lock:
            self._out.write("\n".join(lines) + "\n")
            self._out.flush()


def run(main) -> None:
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
