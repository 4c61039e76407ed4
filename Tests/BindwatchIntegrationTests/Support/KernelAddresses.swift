import BindwatchClient
import BindwatchDaemon
import Foundation

/// The kernel's own view, from `ip -j addr show`, to compare the daemon's against.
struct KernelAddress: Hashable, CustomStringConvertible {
    var ifindex: Int
    var interface: String
    var family: String
    var local: String
    var prefixLength: Int
    /// IFA_ADDRESS where it differs from the local address: the far end of a point-to-point link.
    var peer: String?
    var scope: String
    /// IPv4 only.
    var label: String?
    /// iproute2's names, `permanent` included (ip -j says `dynamic` for its absence).
    var flags: Set<String>

    /// The daemon's id for the same address.
    var id: String {
        if family == "inet6" { return "\(ifindex)/\(local)" }
        return "\(ifindex)/\(local)/\(prefixLength)" + (peer.map { "/peer/\($0)" } ?? "")
    }

    var description: String { "\(id) \(flags.sorted())" }

    /// Every flag `ip -j` can show as a boolean, by its iproute2 name.
    private static let flagNames = [
        "secondary", "temporary", "nodad", "optimistic", "dadfailed", "home", "deprecated", "tentative", "mngtmpaddr",
        "noprefixroute", "autojoin", "stable-privacy",
    ]

    static func all(in namespace: NetworkNamespace) throws -> [KernelAddress] {
        let text = try namespace.ip("-j", "addr", "show")
        guard let links = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { return [] }
        var result: [KernelAddress] = []
        for link in links {
            guard let ifindex = link["ifindex"] as? Int, let name = link["ifname"] as? String else { continue }
            for info in link["addr_info"] as? [[String: Any]] ?? [] {
                guard let local = info["local"] as? String, let length = info["prefixlen"] as? Int,
                    let family = info["family"] as? String, let scope = info["scope"] as? String
                else { continue }
                var flags = Set(flagNames.filter { info[$0] as? Bool == true })
                if info["dynamic"] as? Bool != true { flags.insert("permanent") }
                result.append(
                    KernelAddress(
                        ifindex: ifindex, interface: name, family: family, local: local, prefixLength: length,
                        peer: info["address"] as? String, scope: scope, label: info["label"] as? String,
                        flags: flags))
            }
        }
        return result
    }

    /// The fields where the daemon's `Address` says something else; empty when it agrees.
    func differences(from address: JSONValue) -> [String] {
        var differences: [String] = []
        func compare(_ field: String, _ kernel: String?, _ daemon: JSONValue?) {
            let daemonText = daemon == .null ? nil : daemon?.text
            if kernel != daemonText {
                differences.append("\(field): kernel \(kernel ?? "none"), daemon \(daemonText ?? "none")")
            }
        }
        compare("interface", interface, address["interface"])
        compare("family", family, address["family"])
        compare("address", local, address["address"])
        compare("prefixLength", String(prefixLength), address["prefixLength"])
        compare("scope", scope, address["scope"])
        compare("peer", peer, address["peer"])
        compare("label", label, address["label"])
        let daemonFlags = Set(address["flags"]?.stringArray ?? [])
        if daemonFlags != flags {
            differences.append("flags: kernel \(flags.sorted()), daemon \(daemonFlags.sorted())")
        }
        return differences
    }
}
