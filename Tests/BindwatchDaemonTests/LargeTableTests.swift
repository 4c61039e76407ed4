import Logging
import NIOCore
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("100,000 addresses", .timeLimit(.minutes(2)))
struct LargeTableTests {
    static let count = 100_000

    /// 100,000 RTM_NEWADDR messages made from one recorded message by rewriting its address,
    /// then decoded by the C parser like any datagram from the kernel.
    /// With `deleting`, the same messages as RTM_DELADDR.
    static func messages(deleting: Bool = false) throws -> [NetlinkMessage.Payload] {
        var recorded = try RecordedMessages("ipv6-nodad").entries[0].bytes
        // nlmsghdr (16) + ifaddrmsg (8), then IFA_ADDRESS: a 4-byte header and 16 bytes.
        #expect(recorded[26] == 1 && recorded[24] == 20)
        #expect(recorded[4] == 20)  // nlmsg_type RTM_NEWADDR
        if deleting { recorded[4] = 21 }  // RTM_DELADDR
        var datagram: [UInt8] = []
        datagram.reserveCapacity(recorded.count * count)
        for index in 0..<count {
            var message = recorded
            message[40] = UInt8(index >> 24 & 0xFF)
            message[41] = UInt8(index >> 16 & 0xFF)
            message[42] = UInt8(index >> 8 & 0xFF)
            message[43] = UInt8(index & 0xFF)
            datagram += message
        }
        let decoded = NetlinkMessage.decode(datagram: datagram)
        #expect(!decoded.isFramingBroken)
        return decoded.messages.map(\.payload)
    }

    @Test("the table holds them; List without more is TooLarge, with more it streams them under 16 MiB")
    func largeTable() async throws {
        let table = LiveTable(
            logger: Logger(label: "test"), eventEncoder: VarlinkReply.writeWatchEvent(kind:generation:address:into:))
        _ = await table.apply(try RecordedMessages("dump-links").payloads)
        let payloads = try Self.messages()
        for start in stride(from: 0, to: payloads.count, by: 1000) {
            _ = await table.apply(Array(payloads[start..<min(start + 1000, payloads.count)]))
        }
        await table.markReady()
        let status = await table.status()
        #expect(status.addresses == Self.count)
        #expect(status.bindable == Self.count)

        let dispatcher = VarlinkDispatcher(table: table, statistics: ServerStatistics(), startedAt: .now())
        let logger = Logger(label: "test")

        let whole = CollectingSink()
        _ = try await dispatcher.handle(
            VarlinkRequest(method: "io.bindwatch.List"), sink: whole, signals: .forTests(), logger: logger)
        let refusal = whole.replies.first
        #expect(refusal?["error"] == .string("io.bindwatch.TooLarge"))
        #expect(refusal?["parameters"]?["addresses"] == .number(Double(Self.count)))

        let parts = CollectingSink()
        _ = try await dispatcher.handle(
            VarlinkRequest(method: "io.bindwatch.List", more: true), sink: parts, signals: .forTests(),
            logger: logger)
        let sizes = parts.messages.withLock { $0.map(\.utf8.count) }
        #expect(sizes.allSatisfy { $0 < VarlinkReply.maximumBytes })
        var ids = Set<String>()
        let replies = parts.replies
        for reply in replies {
            if case .array(let addresses)? = reply["parameters"]?["addresses"] {
                for address in addresses { ids.insert(address["id"]?.text ?? "") }
            }
        }
        #expect(ids.count == Self.count)
        #expect(replies.last?["parameters"]?["snapshotComplete"] == .bool(true))
        #expect(replies.dropLast().allSatisfy { $0["continues"] == .bool(true) })
        #expect(replies.last?["continues"] == nil)

        // All removed: the link's hash table gives its room back.
        guard case .address(let first)? = payloads.first else { throw TableFailure("no address message") }
        #expect(await table.addressCapacity(ifindex: first.ifindex) >= Self.count)
        let deletions = try Self.messages(deleting: true)
        for start in stride(from: 0, to: deletions.count, by: 1000) {
            _ = await table.apply(Array(deletions[start..<min(start + 1000, deletions.count)]))
        }
        #expect(await table.status().addresses == 0)
        #expect(await table.addressCapacity(ifindex: first.ifindex) <= 1024)
    }
}

struct TableFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
