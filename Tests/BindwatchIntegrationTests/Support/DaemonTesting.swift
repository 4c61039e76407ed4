import BindwatchCore
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

/// The daemon's table must equal the kernel's, address for address, and its verdicts must
/// agree with what bind() does. DAD may end between looking and binding; then it looks again.
func expectMatchesKernel(_ daemon: RunningDaemon, _ namespace: NetworkNamespace, timeout: Duration = .seconds(20))
    async throws
{
    for attempt in 1...5 {
        if try await compareWithKernel(daemon, namespace, timeout: timeout, recordIssues: attempt == 5) { return }
    }
}

/// The flags that decide bind(); the daemon must agree with `ip` on exactly these.
private let verdictFlags: Set<String> = ["tentative", "dadfailed", "optimistic", "deprecated"]

/// Returns false (without recording anything, unless `recordIssues`) when the kernel changed
/// while it was being compared.
private func compareWithKernel(
    _ daemon: RunningDaemon, _ namespace: NetworkNamespace, timeout: Duration, recordIssues: Bool
) async throws -> Bool {
    var kernel: [String: KernelAddress] = [:]
    let addresses = try await daemon.waitForAddresses(timeout: timeout, "the kernel's addresses") { addresses in
        kernel = Dictionary(uniqueKeysWithValues: try KernelAddress.all(in: namespace).map { ($0.id, $0) })
        guard Set(addresses.keys) == Set(kernel.keys) else { return false }
        return kernel.values.allSatisfy {
            Set(addresses[$0.id]?["flags"]?.stringArray ?? []).intersection(verdictFlags)
                == $0.flags.intersection(verdictFlags)
        }
    }
    // Ask the kernel: bindable ones bind; tentative/dadfailed ones fail with EADDRNOTAVAIL,
    // unless another link of the namespace holds a usable copy of a non-link-local address.
    var arguments: [String: String] = [:]
    for (id, address) in addresses {
        let text = address["address"]?.text ?? ""
        arguments[id] = text.hasPrefix("fe80:") ? "\(text)%\(address["ifindex"]?.text ?? "0")" : text
    }
    let results = try namespace.bindResults(Array(Set(arguments.values)))
    let after = Dictionary(
        uniqueKeysWithValues: try KernelAddress.all(in: namespace).map { ($0.id, $0.flags.intersection(verdictFlags)) })
    guard after == kernel.mapValues({ $0.flags.intersection(verdictFlags) }) || recordIssues else { return false }
    for (id, address) in addresses {
        let result = results[arguments[id]!]
        let reasons = address["reasons"]?.stringArray ?? []
        if address["bindable"] == .bool(true) {
            #expect(result == 0, "\(id) is published bindable but bind() gave errno \(result ?? -1)")
        } else if reasons.contains("tentative") || reasons.contains("dadfailed") {
            let text = address["address"]?.text ?? ""
            let usableCopyElsewhere = addresses.values.contains {
                $0["address"]?.text == text && $0["id"]?.text != id
                    && !($0["reasons"]?.stringArray ?? []).contains { $0 == "tentative" || $0 == "dadfailed" }
            }
            if text.hasPrefix("fe80:") || !usableCopyElsewhere {
                #expect(result == Int(EADDRNOTAVAIL), "\(id) is \(reasons) but bind() gave \(result ?? -1)")
            } else {
                #expect(result == 0, "\(id): another link holds a usable copy, so bind() must succeed")
            }
        }
    }
    return true
}
