import Logging
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("The Address type on the wire", .timeLimit(.minutes(1)))
struct AddressWireTests {
    /// Every address the recorded kernel messages produce, under every flag and reason they give.
    private func recordedAddresses() async throws -> [Address] {
        let table = LiveTable(logger: Logger(label: "test"))
        for name in [
            "dump-links", "dump-addresses", "ipv4-peer", "ipv6-dadfailed", "ipv6-deprecated", "ipv6-high-flags",
        ] {
            _ = await table.apply(try RecordedMessages(name).payloads)
        }
        return await table.list(AddressFilter(includesUnbindable: true)).addresses
    }

    @Test("what the daemon writes, the client reads back as the same address")
    func roundTrip() async throws {
        let addresses = try await recordedAddresses()
        #expect(addresses.count >= 8)
        #expect(addresses.contains { $0.peer != nil }, "the fixtures hold no point-to-point address")
        #expect(addresses.contains { !$0.isBindable }, "the fixtures hold no unbindable address")
        for address in addresses {
            let decoded = try Address(json: JSONParser.parse(address.encoded))
            #expect(decoded.isSameExceptLifetimes(as: address), "\(address.id)")
            #expect(decoded.id == address.id)
            #expect(decoded.precedence == address.precedence)
            #expect(decoded.lifetimes?.valid == address.lifetimes?.valid)
        }
    }

    @Test(
        "a Watch event, written from fixed parts, is the message the field-by-field writer makes",
        arguments: [TableEvent.Kind.added, .changed, .removed])
    func watchEventLayout(kind: TableEvent.Kind) async throws {
        let address = try #require(try await recordedAddresses().first { $0.peer != nil })
        let generation: UInt64 = 18_446_744_073_709_551_615
        let expected = VarlinkReply.message(continues: true) { json in
            json.field("generation", generation)
            json.key("event")
            json.beginObject()
            json.field("type", kind.rawValue)
            json.field("generation", generation)
            json.key("address")
            address.write(to: &json)
            json.endObject()
        }
        // Written after what the batch already holds, as the table writes it.
        var batch = Array("earlier".utf8)
        VarlinkReply.writeWatchEvent(kind: kind, generation: generation, address: address.encoded, into: &batch)
        #expect(batch.dropFirst(7).elementsEqual(expected.readableBytesView))
        let message = try JSONParser.parse(Array(expected.readableBytesView.dropLast()))
        #expect(try Address(json: #require(message["parameters"]?["event"]?["address"])).id == address.id)
    }

    @Test(
        "a field that does not read as the interface says is named",
        arguments: [
            ("family", JSONValue.string("inet7"), "family"),
            ("address", .string("2001:db8::1"), "address"),
            ("flags", .array([.string("shiny")]), "flags"),
            ("reasons", .array([.string("bored")]), "reasons"),
            ("scope", .string("galaxy"), "scope"),
            ("ifindex", .number(1.5), "ifindex"),
            ("prefixLength", .number(300), "prefixLength"),
            ("id", .string("9/192.0.2.1/24"), "id"),
            ("type", .string("shiny"), "type"),
            ("peer", .number(1), "peer"),
        ])
    func refusals(field: String, value: JSONValue, named: String) async throws {
        let address = try #require(try await recordedAddresses().first { $0.family == .inet })
        guard case .object(var fields) = try JSONParser.parse(address.encoded) else {
            Issue.record("not an object")
            return
        }
        fields[field] = value
        #expect(throws: WireError.self) { try Address(json: .object(fields)) }
        do {
            _ = try Address(json: .object(fields))
        } catch {
            #expect(error.field == named)
        }
        // `peer` and `label` may be left out; the rest may not.
        fields[field] = nil
        if field != "peer" {
            #expect(throws: WireError.self) { try Address(json: .object(fields)) }
        }
    }

    @Test("flag names read back to the same bits, unnamed bits included", arguments: [AddressFamily.inet, .inet6])
    func flagNames(family: AddressFamily) {
        for bit in 0..<16 {
            let flags = AddressFlags(rawValue: 1 << UInt32(bit))
            #expect(AddressFlags(names: flags.names(family: family), family: family) == flags, "bit \(bit)")
        }
    }
}
