import Foundation

/// The kernel's own view, from `ip -j addr show`, to compare the daemon's against.
struct KernelAddress: Hashable, CustomStringConvertible {
    var ifindex: Int
    var interface: String
    var local: String
    var prefixLength: Int
    var peer: String?
    var flags: Set<String>

    /// The daemon's id for the same address.
    var id: String {
        if local.contains(":") { return "\(ifindex)/\(local)" }
        return "\(ifindex)/\(local)/\(prefixLength)" + (peer.map { "/peer/\($0)" } ?? "")
    }

    var description: String { "\(id) \(flags.sorted())" }

    static func all(in namespace: NetworkNamespace) throws -> [KernelAddress] {
        let text = try namespace.ip("-j", "addr", "show")
        guard let links = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { return [] }
        var result: [KernelAddress] = []
        let flagNames = [
            "tentative", "optimistic", "dadfailed", "deprecated", "nodad", "home", "mngtmpaddr", "noprefixroute",
            "autojoin", "stable-privacy", "temporary", "secondary",
        ]
        for link in links {
            guard let ifindex = link["ifindex"] as? Int, let name = link["ifname"] as? String else { continue }
            for info in link["addr_info"] as? [[String: Any]] ?? [] {
                guard let local = info["local"] as? String, let length = info["prefixlen"] as? Int else { continue }
                var flags = Set(flagNames.filter { info[$0] as? Bool == true })
                if info["dynamic"] as? Bool != true && info["valid_life_time"] as? Int == 4_294_967_295 {
                    flags.insert("permanent")
                }
                result.append(
                    KernelAddress(
                        ifindex: ifindex, interface: name, local: local, prefixLength: length,
                        peer: info["address"] as? String, flags: flags))
            }
        }
        return result
    }
}
