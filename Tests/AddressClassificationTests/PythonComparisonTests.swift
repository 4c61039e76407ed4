import Foundation
import Testing

@testable import AddressClassification

/// Finds python3 on PATH; the comparison needs it.
enum PythonInterpreter {
    static let path: String? = {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return searchPath.split(separator: ":").map { "\($0)/python3" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// In CI and under scripts/test (which installs python3), a missing python3 is a failure,
    /// not a skip: as for the integration tests, CI set to anything but "", "0", "false" or
    /// "no", or BINDWATCH_INTEGRATION=required.
    static var isRequired: Bool {
        let environment = ProcessInfo.processInfo.environment
        if environment["BINDWATCH_INTEGRATION"] == "required" { return true }
        guard let ci = environment["CI"]?.lowercased() else { return false }
        return !["", "0", "false", "no"].contains(ci)
    }
}

/// What Python's `ipaddress` module says about one address.
struct PythonView: Decodable {
    let address: String
    let isMulticast: Bool
    let isLoopback: Bool
    let isLinkLocal: Bool
    let isUnspecified: Bool
    let isPrivate: Bool
    let isGlobal: Bool
    let isSiteLocal: Bool?
}

/// Compares with CPython's `ipaddress`, an independent implementation.
///
/// The structural predicates (multicast, loopback, link-local, unspecified,
/// site-local, RFC 1918 private) agree everywhere. `is_global` agrees only
/// where Python's hard-coded list matches the registries; it differs where:
/// - Python calls every unlisted IPv6 address global, so 1000::1, ::8.8.8.8
///   (IPv4-compatible) and fec0::1 (site-local) are global to it; RFC 4291
///   types them global unicast but IANA allocates only 2000::/3;
/// - registry rows with N/A or empty Globally Reachable (2002::/16,
///   192.88.99.0/24) are global to Python and not here;
/// - multicast is global to Python at any scope (224.0.0.1, ff02::1);
/// - Python's list changed in 3.12.4 (and 3.11.10, 3.13): before, it held
///   192.0.0.0/29 rather than 192.0.0.0/24 (so 192.0.0.8 was global) and all
///   of 2001::/23 with no exceptions (so 2001:1::1...3, 2001:3::/32,
///   2001:4:112::/48, 2001:20::/28, 2001:30::/28 and 192.0.0.9 were not);
///   rows newer than a release (64:ff9b:1::/48, 100:0:0:1::/64, 3fff::/20,
///   5f00::/16) are global to it;
/// - Python 3.13 judges ::ffff:a.b.c.d by its IPv4 address; the IPv6
///   registry row ::ffff:0:0/96 says not globally reachable.
@Suite("Agreement with Python's ipaddress")
struct PythonComparisonTests {
    /// Python and the registries agree on `is_global` for these.
    static let agreeing = [
        "8.8.8.8", "1.1.1.1", "10.1.2.3", "172.16.5.4", "192.168.1.1", "100.64.0.1", "127.0.0.1",
        "169.254.1.1", "0.0.0.0", "0.1.2.3", "192.0.2.1", "198.51.100.1", "203.0.113.1",
        "198.18.0.1", "240.0.0.1", "255.255.255.255", "192.0.0.170", "192.0.0.1",
        "192.31.196.1", "192.52.193.1", "192.175.48.1", "2001:4860:4860::8888", "2606:4700::1111",
        "::1", "::", "fe80::1", "fd00::1", "fc00::1", "2001:db8::1", "2001::1", "2001:2::1",
        "2001:10::1", "100::1", "64:ff9b::808:808", "2620:4f:8000::1", "ff0e::1", "224.0.1.1",
    ]

    /// Python disagrees (or depends on its version); only our value is checked.
    static let differing: [(String, Bool)] = [
        ("1000::1", false), ("::8.8.8.8", false), ("fec0::1", false), ("2002:808:808::1", false),
        ("192.88.99.1", false), ("224.0.0.1", false), ("ff02::1", false), ("192.0.0.9", true),
        ("2001:1::1", true), ("2001:1::3", true), ("2001:30::1", true), ("64:ff9b:1::1", false),
        ("100:0:0:1::1", false), ("3fff::1", false), ("5f00::1", false), ("::ffff:8.8.8.8", false),
        ("192.0.0.8", false), ("2001:3::1", true), ("2001:4:112::1", true), ("2001:20::1", true),
    ]

    static let script = """
        import ipaddress, json, sys
        views = []
        for text in sys.argv[1:]:
            ip = ipaddress.ip_address(text)
            views.append({"address": text, "isMulticast": ip.is_multicast,
                "isLoopback": ip.is_loopback, "isLinkLocal": ip.is_link_local,
                "isUnspecified": ip.is_unspecified, "isPrivate": ip.is_private,
                "isGlobal": ip.is_global, "isSiteLocal": getattr(ip, "is_site_local", None)})
        json.dump(views, sys.stdout)
        """

    private func runPython(_ python: String, _ addresses: [String]) throws -> [PythonView] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script] + addresses
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode([PythonView].self, from: data)
    }

    @Test(
        .enabled(
            if: PythonInterpreter.path != nil || PythonInterpreter.isRequired,
            "python3 is not on PATH, so the comparison is skipped (in CI and under scripts/test it fails instead)"))
    func agreesWhereItShould() throws {
        guard let python = PythonInterpreter.path else {
            Issue.record("python3 is not on PATH, and CI=true makes the comparison mandatory")
            return
        }
        let extra = [
            "fe80::abcd", "febf::1", "ff01::1", "239.1.1.1",
            "172.31.255.255", "172.32.0.0", "::2", "::ffff:0:1", "0:0:1::1",
        ]
        let addresses = Self.agreeing + Self.differing.map(\.0) + extra
        let views = try runPython(python, addresses)
        try #require(views.count == addresses.count)

        for view in views {
            let ours = try Classification(parsing: view.address)
            let context = Comment(rawValue: view.address)
            #expect(view.isMulticast == (ours.type == .multicast), context)
            #expect(view.isUnspecified == (ours.type == .unspecified), context)
            if ours.type != .ipv4Mapped {
                // Python 3.13 looks through IPv4-mapped addresses for these two.
                #expect(view.isLoopback == (ours.type == .loopback), context)
                #expect(view.isLinkLocal == (ours.type == .linkLocal), context)
            }
            if let siteLocal = view.isSiteLocal {
                #expect(siteLocal == (ours.type == .siteLocal), context)
            }
            if ours.type == .private { #expect(view.isPrivate, context) }
            if Self.agreeing.contains(view.address) {
                #expect(view.isGlobal == ours.globallyReachable, context)
            }
        }
        for (text, expected) in Self.differing {
            #expect(
                try Classification(parsing: text).globallyReachable == expected, Comment(rawValue: text))
        }
    }
}
