import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("Decoding recorded netlink messages", .timeLimit(.minutes(1)))
struct NetlinkDecodingTests {
    @Test("every recorded message decodes, unknown attributes skipped", arguments: RecordedMessages.allNames)
    func everyMessageDecodes(name: String) throws {
        let recorded = try RecordedMessages(name)
        #expect(!recorded.entries.isEmpty)
        for entry in recorded.entries {
            #expect(entry.message.payload != .malformed, "\(entry.comment)")
            #expect(entry.message.payload != .other, "\(entry.comment)")
        }
    }

    @Test("flags come from IFA_FLAGS, including bits above 0x80")
    func highFlags() throws {
        let addresses = try RecordedMessages("ipv6-high-flags").addresses
        #expect(
            addresses.map { $0.flags.names(family: .inet6) } == [
                ["tentative", "permanent", "mngtmpaddr", "noprefixroute"],
                ["permanent", "mngtmpaddr", "noprefixroute"],
                ["nodad", "home", "permanent"],
            ])
    }

    @Test("DAD failure keeps tentative and adds dadfailed")
    func dadFailed() throws {
        let addresses = try RecordedMessages("ipv6-dadfailed").addresses
        #expect(addresses.count == 2)
        #expect(addresses[1].flags.contains([.dadFailed, .tentative]))
        #expect(addresses[1].local.description == "2001:db8:20::1")
        #expect(!addresses[1].isDeletion)
    }

    @Test("IPv4: IFA_LOCAL is the address, IFA_ADDRESS the peer; labels")
    func ipv4Peer() throws {
        let addresses = try RecordedMessages("ipv4-peer").addresses
        #expect(addresses[0].local.description == "10.9.9.1")
        #expect(addresses[0].peer?.description == "10.9.9.2")
        #expect(addresses[0].prefixLength == 32)
        #expect(addresses[0].label == "veth0")
        #expect(addresses[1].local.description == "192.0.2.1")
        #expect(addresses[1].peer == nil)
        #expect(addresses[1].label == "veth0:web")
    }

    @Test("IPv6 with a peer carries IFA_LOCAL; without, only IFA_ADDRESS")
    func ipv6Peer() throws {
        let addresses = try RecordedMessages("dump-addresses").addresses
        let withPeer = try #require(addresses.first { $0.local.description == "2001:db8:72::1" })
        #expect(withPeer.peer?.description == "2001:db8:72::2")
        let plain = try #require(addresses.first { $0.local.description == "2001:db8:70::1" })
        #expect(plain.peer == nil)
    }

    @Test("IFA_CACHEINFO lifetimes; 0xFFFFFFFF is forever")
    func lifetimes() throws {
        let repeated = try RecordedMessages("ipv6-lifetime-repeat").addresses
        #expect(
            repeated.map(\.lifetimes) == [
                AddressLifetimes(preferred: 500, valid: 1000), AddressLifetimes(preferred: 400, valid: 900),
            ])
        let permanent = try RecordedMessages("ipv6-nodad").addresses[0]
        #expect(permanent.lifetimes == AddressLifetimes(preferred: nil, valid: nil))
    }

    @Test("links: name, flags, operstate; deletion")
    func links() throws {
        let links = try RecordedMessages("dump-links").links
        #expect(links.map(\.name) == ["lo", "veth0", "veth2"])
        #expect(links[1].flags.contains([.up, .running, .lowerUp]))
        #expect(links[1].operationalState?.name == "up")
        #expect(!links[2].flags.contains(.up))
        let deleted = try RecordedMessages("link-delete").links.last
        #expect(deleted?.isDeletion == true)
    }

    @Test("RTM_NEWPREFIX names the link that got a SLAAC address")
    func newPrefix() throws {
        let recorded = try RecordedMessages("ipv6-optimistic-slaac")
        guard case .prefix(let prefix) = recorded.entries[0].message.payload else {
            Issue.record("first message is not RTM_NEWPREFIX")
            return
        }
        #expect(prefix.ifindex == 2)
        #expect(prefix.prefix?.description == "2001:db8:1::")
        #expect(prefix.prefixLength == 64)
        let optimistic = try #require(recorded.addresses.first { $0.flags.contains(.optimistic) })
        #expect(optimistic.flags.names(family: .inet6) == ["optimistic", "tentative", "mngtmpaddr"])
    }

    @Test("dump replies end with NLMSG_DONE and carry the requester's port and sequence")
    func dumpFraming() throws {
        let recorded = try RecordedMessages("dump-strict-ifindex")
        #expect(recorded.entries.last?.message.payload == .done)
        #expect(recorded.entries.allSatisfy { $0.message.header.sequence == 1 && $0.message.header.portID == 4242 })
        #expect(recorded.addresses.allSatisfy { $0.ifindex == 2 })
    }

    @Test("a truncated message breaks framing; a bad attribute makes the message malformed")
    func corruptInput() throws {
        let entry = try RecordedMessages("ipv6-nodad").entries[0]
        let truncated = NetlinkMessage.decode(datagram: Array(entry.bytes.dropLast(8)))
        #expect(truncated.isFramingBroken)
        #expect(truncated.messages.isEmpty)

        // IFA_ADDRESS (at offset 24) claims 5 bytes for an IPv6 address.
        var bytes = entry.bytes
        #expect(bytes[26] == 1 && bytes[27] == 0)  // attribute type IFA_ADDRESS
        bytes[24] = 4 + 5
        let malformed = NetlinkMessage.decode(datagram: bytes)
        #expect(malformed.messages.first?.payload == .malformed)
    }

    @Test(
        "a length past the datagram breaks framing and ends the walk (found by fuzzing)",
        arguments: [
            // nlmsg_len 0xFFFFFFFF: aligned, it wrapped to 0 and the walk never advanced.
            "ffffffff030000000000000000000000",
            // nlmsg_len 2^31 on an RTM_NEWADDR: libmnl's signed comparison let it through.
            "00000080140000000000000000000000021800000100000008000200",
        ])
    func hugeLength(hex: String) throws {
        let datagram = NetlinkMessage.decode(datagram: try RecordedMessages.bytes(fromHex: hex[...]))
        #expect(datagram.isFramingBroken)
        #expect(datagram.messages.isEmpty)
    }

    @Test("the last attribute of an unaligned last message is read within the datagram (found by fuzzing)")
    func unalignedLastAttribute() throws {
        // 46 bytes: the attribute walk used to run to the aligned length, 3 bytes past the end
        // (AddressSanitizer catches that in scripts/sanitize).
        let bytes = try RecordedMessages.bytes(
            fromHex: "2e000000140002000100000092100000020880fe01000000080080fe01000000080001007f000001080002007f00"[...]
        )
        let datagram = NetlinkMessage.decode(datagram: bytes)
        #expect(datagram.messages.count == 1)
    }

    @Test("an address with a NUL in it is not an address (inet_pton would stop at the NUL)")
    func addressWithNUL() {
        #expect((try? IPAddress("127.0.0.1\u{0}junk")) == nil)
        #expect((try? IPAddress("127.0.0.1")) != nil)
    }

    @Test("several messages in one datagram decode in order")
    func multipleMessages() throws {
        let recorded = try RecordedMessages("dump-addresses")
        let datagram = NetlinkMessage.decode(datagram: recorded.entries.flatMap(\.bytes))
        #expect(!datagram.isFramingBroken)
        #expect(datagram.messages == recorded.entries.map(\.message))
    }
}
