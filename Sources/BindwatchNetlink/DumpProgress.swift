/// What the netlink monitor's dumps leave the table not yet knowing.
package struct DumpProgress: Sendable, Equatable {
    /// Links whose address dump is queued or running: the kernel made addresses there that it
    /// has not announced (a link came up, a prefix arrived).
    package var linksAwaitingDump: Set<Int32> = []
    /// A full resync is running: anything may be missing.
    package var resyncRunning = false
    /// Every fresh dump requested up to this number has been applied to the table.
    package var freshDumpsCompleted: UInt64 = 0

    package init(linksAwaitingDump: Set<Int32> = [], resyncRunning: Bool = false, freshDumpsCompleted: UInt64 = 0) {
        self.linksAwaitingDump = linksAwaitingDump
        self.resyncRunning = resyncRunning
        self.freshDumpsCompleted = freshDumpsCompleted
    }
}
