import BindwatchDaemon
import BindwatchModel
import BindwatchNetlink
import BindwatchVarlink
import Glibc
import Logging
import NIOCore

/// Measures, in-process and without the kernel, what one event costs the address table as
/// the table grows, and what a List costs. Prints medians of several rounds.
/// `bindwatch-benchmark link-down` measures a link going down instead (`LinkDownBenchmark`).
@main
struct TableBenchmark {
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "link-down" {
            await LinkDownBenchmark.run()
            return
        }
        let sizes = [1_000, 10_000, 100_000]
        print("table size  event apply (median ns)  min     max     List all encode (ms)")
        for size in sizes {
            let (applyNanoseconds, listMilliseconds) = await measure(size: size)
            let sorted = applyNanoseconds.sorted()
            print(
                pad(size, 10), pad(sorted[sorted.count / 2], 24), pad(sorted.first!, 7), pad(sorted.last!, 7),
                pad(listMilliseconds, 12))
        }
    }

    static func pad(_ value: some BinaryInteger, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func address(_ index: Int, flags: AddressFlags = [.permanent]) -> AddressMessage {
        let bytes: [UInt8] = [
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
            UInt8(index >> 24 & 0xFF), UInt8(index >> 16 & 0xFF), UInt8(index >> 8 & 0xFF), UInt8(index & 0xFF),
        ]
        return AddressMessage(
            isDeletion: false, family: .inet6, prefixLength: 64, scope: .global, ifindex: 2, flags: flags,
            local: IPAddress(family: .inet6, bytes: bytes)!)
    }

    /// Fills a table with `size` addresses on one link and one Watch subscriber, then times
    /// 2,000 single events (a DAD completion each) in rounds of 200.
    static func measure(size: Int) async -> (apply: [UInt64], list: UInt64) {
        let table = LiveTable(
            logger: Logger(label: "benchmark"),
            eventEncoder: VarlinkReply.writeWatchEvent(kind:generation:address:into:))
        _ = await table.apply([
            .link(
                LinkMessage(
                    isDeletion: false, ifindex: 2, name: "eth0", flags: [.up, .running, .lowerUp],
                    operationalState: OperationalState(rawValue: 6), hardwareType: 1))
        ])
        var batch: [NetlinkMessage.Payload] = []
        for index in 0..<size {
            batch.append(.address(address(index, flags: [.permanent, .tentative])))
            if batch.count == 1000 {
                _ = await table.apply(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        _ = await table.apply(batch)
        let subscription = await table.subscribe(AddressFilter(), encoded: true).subscription
        let drain = Task {
            for await item in subscription.items { subscription.consumed(item) }
        }
        var rounds: [UInt64] = []
        var next = 0
        for _ in 0..<10 {
            let start = now()
            for _ in 0..<200 {
                _ = await table.apply([.address(address(next % size))])
                next += 1
            }
            rounds.append((now() - start) / 200)
        }
        let listStart = now()
        let listed = await table.list(AddressFilter(includesUnbindable: true)).addresses
        var json = JSONWriter()
        json.beginArray()
        for item in listed { item.write(to: &json) }
        json.endArray()
        let listMilliseconds = (now() - listStart) / 1_000_000
        await table.unsubscribe(subscription)
        drain.cancel()
        return (rounds, listMilliseconds)
    }
}
