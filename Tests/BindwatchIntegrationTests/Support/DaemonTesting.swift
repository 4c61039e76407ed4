import BindwatchClient
import BindwatchDaemon
import Foundation
import Testing

/// Runs `body` with a fresh namespace and a daemon inside it; both are cleaned up however
/// `body` ends.
func withDaemon(
    arguments: [String] = [], _ body: (NetworkNamespace, RunningDaemon) async throws -> Void
) async throws {
    try await NetworkNamespace.with { namespace in
        let daemon = try await RunningDaemon.start(in: namespace, arguments: arguments)
        do {
            try await body(namespace, daemon)
            #expect(daemon.isRunning, "bindwatchd died: \(daemon.log)")
            daemon.stop()
        } catch {
            let log = daemon.log
            daemon.stop()
            Issue.record("daemon log:\n\(log.suffix(4000))")
            throw error
        }
    }
}

/// The daemon's table must equal the kernel's, address for address and field for field (as
/// `ip -j addr` shows them), and its verdicts must agree with what bind() does. DAD may end
/// between looking and binding; then it looks again.
func expectMatchesKernel(_ daemon: RunningDaemon, _ namespace: NetworkNamespace, timeout: Duration = .seconds(20))
    async throws
{
    for attempt in 1...5 {
        if try await compareWithKernel(daemon, namespace, timeout: timeout, recordIssues: attempt == 5) { return }
    }
}

/// The reasons bind() itself gives: the kernel refuses the address (EADDRNOTAVAIL).
private let kernelReasons: Set<String> = ["tentative", "dadfailed"]

/// Returns false (without recording anything, unless `recordIssues`) when the kernel changed
/// while it was being compared.
private func compareWithKernel(
    _ daemon: RunningDaemon, _ namespace: NetworkNamespace, timeout: Duration, recordIssues: Bool
) async throws -> Bool {
    var kernel: [String: KernelAddress] = [:]
    let addresses: [String: JSONValue]
    do {
        addresses = try await daemon.waitForAddresses(timeout: timeout, "the kernel's addresses") { addresses in
            kernel = Dictionary(uniqueKeysWithValues: try KernelAddress.all(in: namespace).map { ($0.id, $0) })
            guard Set(addresses.keys) == Set(kernel.keys) else { return false }
            return kernel.values.allSatisfy { $0.differences(from: addresses[$0.id] ?? .null).isEmpty }
        }
    } catch let failure as DaemonFailure {
        // Name what differs, not just that something does.
        let now = try await daemon.addresses()
        let details =
            kernel.values.flatMap { address in
                now[address.id].map { address.differences(from: $0).map { "\(address.id) \($0)" } }
                    ?? ["\(address.id) missing from the daemon"]
            } + now.keys.filter { kernel[$0] == nil }.map { "\($0) not in the kernel" }
        throw DaemonFailure("\(failure.description); differences: \(details.sorted())")
    }
    // Ask the kernel: bindable ones bind; tentative/dadfailed ones fail with EADDRNOTAVAIL,
    // unless another link of the namespace holds a usable copy of a non-link-local address.
    var arguments: [String: String] = [:]
    for (id, address) in addresses {
        let text = address["address"]?.text ?? ""
        arguments[id] = text.hasPrefix("fe80:") ? "\(text)%\(address["ifindex"]?.text ?? "0")" : text
    }
    let results = try namespace.bindResults(Array(Set(arguments.values)))
    let after = Dictionary(uniqueKeysWithValues: try KernelAddress.all(in: namespace).map { ($0.id, $0.flags) })
    guard after == kernel.mapValues(\.flags) || recordIssues else { return false }
    for (id, address) in addresses {
        let result = results[arguments[id]!]
        let reasons = Set(address["reasons"]?.stringArray ?? [])
        if reasons.isDisjoint(with: kernelReasons) {
            // Bindable, or held back by the policy alone (an IPv4 address on a link that is
            // down, a deprecated one): the kernel binds it either way.
            #expect(result == 0, "\(id) (reasons \(reasons.sorted())) but bind() gave errno \(result ?? -1)")
        } else {
            let text = address["address"]?.text ?? ""
            let usableCopyElsewhere = addresses.values.contains {
                $0["address"]?.text == text && $0["id"]?.text != id
                    && Set($0["reasons"]?.stringArray ?? []).isDisjoint(with: kernelReasons)
            }
            if text.hasPrefix("fe80:") || !usableCopyElsewhere {
                #expect(result == Int(EADDRNOTAVAIL), "\(id) is \(reasons.sorted()) but bind() gave \(result ?? -1)")
            } else {
                #expect(result == 0, "\(id): another link holds a usable copy, so bind() must succeed")
            }
        }
    }
    return true
}
