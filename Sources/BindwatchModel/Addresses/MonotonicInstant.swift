import Glibc

/// CLOCK_MONOTONIC in nanoseconds: 8 bytes per stored address instead of a clock instant's 16.
package struct MonotonicInstant: Sendable, Hashable, Comparable {
    package let nanoseconds: UInt64

    package static func now() -> MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }

    /// Whole seconds since `earlier`, or 0 if it is later.
    package func seconds(since earlier: MonotonicInstant) -> UInt64 {
        nanoseconds > earlier.nanoseconds ? (nanoseconds - earlier.nanoseconds) / 1_000_000_000 : 0
    }

    package static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
