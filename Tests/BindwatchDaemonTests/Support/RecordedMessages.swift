import Foundation
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

/// Netlink messages recorded from the kernel by scripts/record-netlink-fixtures.py.
struct RecordedMessages {
    struct Entry {
        /// The recorder's decoded description of the message.
        var comment: String
        var bytes: [UInt8]
        var message: NetlinkMessage
    }

    var entries: [Entry]

    init(_ name: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "nlhex"))
        let text = try String(contentsOf: url, encoding: .utf8)
        var entries: [Entry] = []
        var lastComment = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                lastComment = String(line.dropFirst(2))
                continue
            }
            let bytes = try Self.bytes(fromHex: line)
            let datagram = NetlinkMessage.decode(datagram: bytes)
            #expect(!datagram.isFramingBroken, "\(name): \(lastComment)")
            let message = try #require(datagram.messages.first)
            #expect(datagram.messages.count == 1)
            entries.append(Entry(comment: lastComment, bytes: bytes, message: message))
        }
        self.entries = entries
    }

    static func bytes(fromHex line: Substring) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var index = line.startIndex
        while index < line.endIndex {
            let next = try #require(line.index(index, offsetBy: 2, limitedBy: line.endIndex))
            bytes.append(try #require(UInt8(line[index..<next], radix: 16)))
            index = next
        }
        return bytes
    }

    var payloads: [NetlinkMessage.Payload] { entries.map(\.message.payload) }

    var addresses: [AddressMessage] {
        entries.compactMap {
            if case .address(let address) = $0.message.payload { return address }
            return nil
        }
    }

    var links: [LinkMessage] {
        entries.compactMap {
            if case .link(let link) = $0.message.payload { return link }
            return nil
        }
    }

    static let allNames = [
        "dump-addresses", "dump-links", "dump-strict-ifindex", "ipv4-peer", "ipv6-dadfailed", "ipv6-deprecated",
        "ipv6-high-flags", "ipv6-lifetime-repeat", "ipv6-manual-dad-success", "ipv6-nodad", "ipv6-optimistic-slaac",
        "link-delete", "link-down-up", "link-rename",
    ]
}

extension AddressMessage {
    /// The same address as an RTM_NEWADDR (to set up the state a deletion applies to).
    var asNew: AddressMessage {
        var copy = self
        copy.isDeletion = false
        return copy
    }
}
