import BindwatchDaemon
import BindwatchModel
import BindwatchNetlink
import BindwatchVarlink
import Glibc
import Logging
import NIOCore

/// What the daemon does per address when a link with many IPv6 addresses goes down, in
/// process and without the kernel: the RTM_NEWLINK, then one RTM_DELADDR per address, as the
/// kernel sends them, applied on the table's loop the way the netlink pump applies them, in
/// batches of `datagramsPerBatch` datagrams, with the event log on /dev/shm and one Watch
/// subscriber whose writes are discarded. `bindwatch-benchmark link-down`.
enum LinkDownBenchmark {
    /// Takes the subscriber's writes and drops them, as a socket that is always writable.
    struct DiscardingWriter: SubscriberWriter {
        func write(_ buffer: ByteBuffer) {}
        var unwrittenBytes: Int { 0 }
    }

    static func run() async {
        let addresses = 100_000
        print("link down, \(addresses) IPv6 addresses: the table's time per removal")
        print("datagrams per batch  ns per removal (median of 3)  events")
        for datagramsPerBatch in [1, 64] {
            var rounds: [(UInt64, UInt64)] = []
            for _ in 0..<3 {
                rounds.append(await measure(addresses: addresses, datagramsPerBatch: datagramsPerBatch))
            }
            let sorted = rounds.sorted { $0.0 < $1.0 }
            print(
                TableBenchmark.pad(datagramsPerBatch, 19), TableBenchmark.pad(sorted[1].0, 29),
                TableBenchmark.pad(sorted[1].1, 7))
        }
    }

    static func link(up: Bool) -> NetlinkMessage.Payload {
        .link(
            LinkMessage(
                isDeletion: false, ifindex: 2, name: "eth0", flags: up ? [.up, .running, .lowerUp] : [],
                operationalState: OperationalState(rawValue: up ? 6 : 2), hardwareType: 1))
    }

    /// Returns the nanoseconds per removal and the events the table made.
    static func measure(addresses: Int, datagramsPerBatch: Int) async -> (UInt64, UInt64) {
        let path = "/dev/shm/bindwatch-benchmark-\(getpid()).jsonl"
        defer { for suffix in ["", ".1", ".2", ".3", ".4", ".5"] { unlink(path + suffix) } }
        let table = LiveTable(
            eventLog: EventLogConfiguration(path: path), logger: Logger(label: "benchmark"),
            eventEncoder: VarlinkReply.writeWatchEvent(kind:generation:address:into:))
        _ = await table.apply([link(up: true)])
        var batch: [NetlinkMessage.Payload] = []
        for index in 0..<addresses {
            batch.append(.address(TableBenchmark.address(index)))
            if batch.count == 1000 {
                _ = await table.apply(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        _ = await table.apply(batch)
        await table.markReady()
        let subscription = await table.watch(AddressFilter(includesUnbindable: true), writer: DiscardingWriter()) {
            _, _ in
        }
        // The kernel's messages, made before the clock starts.
        let removals: [NetlinkMessage.Payload] = (0..<addresses).map { index in
            var message = TableBenchmark.address(index)
            message.isDeletion = true
            return .address(message)
        }
        let before = await table.generation
        let elapsed = try! await table.eventLoop.submit {
            table.assumeIsolated { table in
                let start = TableBenchmark.now()
                // One RTM_DELADDR per datagram; the pump applies a batch of N in one call, then
                // ends the batch.
                var batch: [NetlinkMessage.Payload] = [link(up: false)]
                for removal in removals {
                    batch.append(removal)
                    if batch.count >= datagramsPerBatch {
                        _ = table.apply(batch, deferringLinkReevaluation: true, endingBatch: false)
                        table.endBatch()
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                _ = table.apply(batch, deferringLinkReevaluation: true, endingBatch: false)
                table.endBatch()
                _ = table.reevaluateDeferredLinks(quiet: 0, limit: 0)
                return TableBenchmark.now() - start
            }
        }.get()
        let events = await table.generation - before
        await table.unsubscribe(subscription)
        await table.stop()
        return (elapsed / UInt64(addresses), events)
    }
}
