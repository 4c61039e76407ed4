import AddressClassification
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("Bindable verdict and reasons", .timeLimit(.minutes(1)))
struct PolicyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var flags: AddressFlags
        var family: AddressFamily = .inet6
        var link: LinkFlags = [.up, .running]
        var name = "eth0"
        var reasons: [String]
        var testDescription: String { "\(flags.names(family: family)) on \(link) → \(reasons)" }
    }

    @Test(
        "kernel reasons first, then policy reasons, in order",
        arguments: [
            Case(flags: [.permanent], reasons: []),
            Case(flags: [.tentative], reasons: ["tentative"]),
            // DAD failure leaves TENTATIVE set; only dadfailed is reported.
            Case(flags: [.tentative, .dadFailed], reasons: ["dadfailed"]),
            // Optimistic binds (no kernel reason) but the default policy excludes it.
            Case(flags: [.tentative, .optimistic], reasons: ["optimistic"]),
            Case(flags: [.deprecated], reasons: ["deprecated"]),
            Case(
                flags: [.tentative, .optimistic, .deprecated], link: [],
                reasons: ["optimistic", "deprecated", "link-down"]),
            Case(flags: [.tentative, .dadFailed, .optimistic], reasons: ["dadfailed", "optimistic"]),
            Case(flags: [], link: [], reasons: ["link-down"]),
            // IPv4 has no DAD: the bit means nothing for bind().
            Case(flags: [.tentative], family: .inet, reasons: []),
            Case(flags: [], name: "virbr0", reasons: ["interface-excluded"]),
            Case(
                flags: [.tentative], family: .inet6, link: [], name: "virbr1",
                reasons: ["tentative", "link-down", "interface-excluded"]),
        ])
    func reasons(_ testCase: Case) {
        var policy = BindPolicy()
        policy.excludeInterfaces = ["virbr*"]
        let reasons = policy.reasons(
            flags: testCase.flags, family: testCase.family, link: testCase.link, interfaceName: testCase.name,
            type: .globalUnicast)
        #expect(reasons.names == testCase.reasons)
    }

    @Test("allow flags, link requirement, include globs and families")
    func settings() {
        var policy = BindPolicy()
        policy.allowOptimistic = true
        policy.allowDeprecated = true
        #expect(
            policy.reasons(
                flags: [.tentative, .optimistic, .deprecated], family: .inet6, link: [.up], interfaceName: "x",
                type: .globalUnicast
            ).isEmpty)

        policy.link = .running
        #expect(
            policy.reasons(flags: [], family: .inet, link: [.up], interfaceName: "x", type: .globalUnicast).names == [
                "link-down"
            ])
        policy.link = .any
        #expect(policy.reasons(flags: [], family: .inet, link: [], interfaceName: "x", type: .globalUnicast).isEmpty)

        policy.includeInterfaces = ["eth*", "wl?0"]
        #expect(policy.reasons(flags: [], family: .inet, link: [], interfaceName: "eth1", type: .globalUnicast).isEmpty)
        #expect(policy.reasons(flags: [], family: .inet, link: [], interfaceName: "wlp0", type: .globalUnicast).isEmpty)
        #expect(
            policy.reasons(flags: [], family: .inet, link: [], interfaceName: "lo", type: .globalUnicast).names == [
                "interface-excluded"
            ])

        policy.families = [.inet6]
        #expect(
            policy.reasons(flags: [], family: .inet, link: [], interfaceName: "eth0", type: .globalUnicast).names == [
                "family-excluded"
            ])
        #expect(
            policy.reasons(flags: [], family: .inet, link: [], interfaceName: "lo", type: .globalUnicast).names == [
                "interface-excluded", "family-excluded",
            ])
    }

    @Test("excluded types come last, after family-excluded")
    func excludedTypes() {
        var policy = BindPolicy()
        policy.excludeTypes = [.linkLocal, .uniqueLocal]
        policy.families = [.inet]
        #expect(
            policy.reasons(flags: [.tentative], family: .inet6, link: [.up], interfaceName: "eth0", type: .linkLocal)
                .names
                == ["tentative", "family-excluded", "type-excluded"])
        #expect(policy.reasons(flags: [], family: .inet, link: [.up], interfaceName: "eth0", type: .private).isEmpty)
    }

    @Test("reason names round-trip")
    func names() {
        let all: Reasons = [
            .dadFailed, .tentative, .optimistic, .deprecated, .linkDown, .interfaceExcluded, .familyExcluded,
        ]
        #expect(Reasons(names: all.names) == all)
        #expect(Reasons(names: ["nonsense"]) == nil)
    }
}

@Suite("Address flags", .timeLimit(.minutes(1)))
struct AddressFlagsTests {
    @Test("bit 0x01 is temporary for IPv6 and secondary for IPv4")
    func sharedBit() {
        #expect(AddressFlags(rawValue: 0x01).names(family: .inet6) == ["temporary"])
        #expect(AddressFlags(rawValue: 0x01).names(family: .inet) == ["secondary"])
    }

    @Test("every known bit has iproute2's name; unknown bits stay visible as hex")
    func names() {
        #expect(
            AddressFlags(rawValue: 0xFFE).names(family: .inet6) == [
                "nodad", "optimistic", "dadfailed", "home", "deprecated", "tentative", "permanent", "mngtmpaddr",
                "noprefixroute", "autojoin", "stable-privacy",
            ])
        #expect(
            AddressFlags(rawValue: 0x80 | 0x1000 | 0x8000_0000).names(family: .inet6) == [
                "permanent", "0x1000", "0x80000000",
            ])
    }
}

@Suite("Address identity", .timeLimit(.minutes(1)))
struct AddressIdentityTests {
    @Test("ids as the kernel identifies addresses")
    func ids() throws {
        let dump = try RecordedMessages("dump-addresses").addresses
        let ids = Set(dump.map { AddressKey($0).id })
        #expect(ids.contains("2/2001:db8:70::1"))
        #expect(ids.contains("2/192.0.2.10/24"))
        #expect(ids.contains("2/10.9.9.1/32/peer/10.9.9.2"))
        // An IPv6 peer is not part of the identity.
        #expect(ids.contains("2/2001:db8:72::1"))
        #expect(ids.contains("1/::1"))
    }

    @Test(
        "canonical address text",
        arguments: [
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"),
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"), ("::ffff:192.0.2.1", "::ffff:192.0.2.1"), ("10.0.0.1", "10.0.0.1"),
            ("fe80::1", "fe80::1"), ("2001:db8:1:0:1:0:1:0", "2001:db8:1:0:1:0:1:0"),
        ])
    func canonical(input: String, expected: String) throws {
        #expect(try IPAddress(input).description == expected)
    }

    @Test("invalid address text is rejected", arguments: ["", "1.2.3", "1.2.3.256", "::1::", "fe80::1%eth0", "x"])
    func invalid(input: String) {
        #expect((try? IPAddress(input)) == nil)
    }
}
