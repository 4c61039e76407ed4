import BindwatchClient
import Foundation
import Testing

extension IntegrationTests {
    /// bindwatch-metrics against a daemon in a namespace, read by Debian's node_exporter and
    /// Prometheus on loopback.
    @Suite("Metrics")
    struct MetricsTests {
        /// bindwatch-metrics with `arguments`, in the background; killed when `body` ends.
        private func withExporter<Result>(
            _ daemon: RunningDaemon, _ arguments: [String], _ body: (Process) async throws -> Result
        ) async throws -> Result {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: IntegrationEnvironment.metricsPath)
            process.arguments = ["--socket", daemon.socketPath] + arguments
            process.standardInput = FileHandle.nullDevice
            try process.run()
            defer { process.stop() }
            return try await body(process)
        }

        @Test("bindwatch-metrics prints every series promtool accepts, with the table's counts")
        func exposition() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.20/24", "dev", "veth0")
                // And the link-local addresses out of DAD, so that nothing changes between the
                // metrics and the List they are compared with.
                try await daemon.waitForAddresses("192.0.2.20, and no address in DAD") { addresses in
                    addresses.values.contains { $0["address"]?.text == "192.0.2.20" }
                        && addresses.values.filter { $0["address"]?.text.hasPrefix("fe80:") == true }.count == 2
                        && !addresses.values.contains { $0["reasons"]?.stringArray.contains("tentative") == true }
                }
                let text = try Command.run([
                    IntegrationEnvironment.metricsPath, "--socket", daemon.socketPath,
                ])
                try PrometheusStack.checkMetrics(text)
                let status = try await daemon.status()
                let addresses = try await daemon.addresses()
                let lines = Set(text.split(separator: "\n").map(String.init))
                #expect(lines.contains("bindwatch_up 1"))
                #expect(lines.contains("bindwatch_links \(status["links"]?.text ?? "")"))
                #expect(lines.contains("bindwatch_synced 1"))
                for family in ["inet", "inet6"] {
                    for state in [
                        "bindable", "dadfailed", "tentative", "optimistic", "deprecated", "link-down",
                        "interface-excluded", "family-excluded", "type-excluded",
                    ] {
                        let expected = addresses.values.count {
                            $0["family"]?.text == family
                                && ($0["reasons"]?.stringArray.first ?? "bindable") == state
                        }
                        #expect(
                            lines.contains("bindwatch_addresses{family=\"\(family)\",state=\"\(state)\"} \(expected)"),
                            "\(family) \(state)")
                    }
                }
                #expect(lines.contains { $0.hasPrefix("bindwatch_info{version=\"") && $0.hasSuffix("} 1") })
                #expect(lines.contains { $0.hasPrefix("bindwatch_address_events_total{type=\"added\"} ") })
                #expect(!text.contains("192.0.2.20"), "no label per address")
            }
        }

        @Test("the textfile is replaced within 1 s of a change, and left alone while nothing changes")
        func textfile() async throws {
            // Not withDaemon: the test stops the daemon itself.
            try await NetworkNamespace.with { namespace in
                let daemon = try await RunningDaemon.start(in: namespace)
                defer { daemon.stop() }
                try namespace.addVeth("veth0", peer: "veth1")
                let directory = try Command.run(["mktemp", "-d", "/tmp/bindwatch-textfile.XXXXXX"])
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let path = "\(directory)/bindwatch.prom"
                func inode() -> UInt64? {
                    (try? FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber)?
                        .uint64Value
                }
                try await withExporter(daemon, ["--textfile", path, "--interval", "0.5"]) { _ in
                    try await waitUntil("the first textfile") { inode() != nil }
                    // Let the link-local address finish DAD: it is a change of its own.
                    try await waitUntil("veth0's link-local address bindable", timeout: .seconds(10)) {
                        (try? String(contentsOfFile: path, encoding: .utf8))?.contains(
                            "bindwatch_addresses{family=\"inet6\",state=\"tentative\"} 0") == true
                    }
                    try await Task.sleep(for: .seconds(1.5))
                    let quiet = inode()
                    try await Task.sleep(for: .seconds(2))
                    #expect(inode() == quiet, "rewritten while nothing changed")
                    let before = try String(contentsOfFile: path, encoding: .utf8)
                    #expect(before.contains("bindwatch_addresses{family=\"inet\",state=\"bindable\"} 1"))  // 127.0.0.1

                    try namespace.ip("addr", "add", "192.0.2.21/24", "dev", "veth0")
                    let changed = ContinuousClock.now
                    try await waitUntil("the new count", timeout: .seconds(5)) {
                        (try? String(contentsOfFile: path, encoding: .utf8))?.contains(
                            "bindwatch_addresses{family=\"inet\",state=\"bindable\"} 2") == true
                    }
                    let latency = ContinuousClock.now - changed
                    #expect(latency < .seconds(1), "rewritten \(latency) after the change")
                    #expect(inode() != quiet, "replaced by rename, not written in place")
                    // No temporary file left for the collector to see.
                    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["bindwatch.prom"])

                    // The daemon gone: the file says so rather than keep its last values.
                    daemon.stop()
                    try await waitUntil("bindwatch_up 0", timeout: .seconds(5)) {
                        (try? String(contentsOfFile: path, encoding: .utf8))?.contains("bindwatch_up 0") == true
                    }
                    let down = try String(contentsOfFile: path, encoding: .utf8)
                    #expect(!down.contains("bindwatch_addresses"))
                }
            }
        }

        @Test("end to end: a DAD failure reaches Prometheus through node_exporter's textfile collector")
        func prometheus() async throws {
            try await NetworkNamespace.with { peer in
                try await withDaemon { namespace, daemon in
                    try await PrometheusStack.withStack(ruleFiles: [
                        Command.repositoryRoot.appendingPathComponent("Config/prometheus/bindwatch.rules.yml").path
                    ]) { stack in
                        let path = "\(stack.textfileDirectory)/bindwatch.prom"
                        try await withExporter(daemon, ["--textfile", path]) { _ in
                            try await stack.waitFor("bindwatch_up") { $0.first?.value == 1 }
                            try await stack.waitFor("bindwatch_dad_failures_total") { $0.first?.value == 0 }

                            try namespace.addVeth("veth0", peer: "veth1", in: peer)
                            try peer.ip("addr", "add", "2001:db8:50::1/64", "dev", "veth1", "nodad")
                            try namespace.sysctl("net.ipv6.conf.veth0.dad_transmits=1")
                            try namespace.ip("addr", "add", "2001:db8:50::1/64", "dev", "veth0")
                            #expect(
                                try namespace.bindResults(["2001:db8:50::1"])["2001:db8:50::1"] == Int(EADDRNOTAVAIL))

                            try await stack.waitFor("bindwatch_addresses{state=\"dadfailed\"}") { samples in
                                samples.contains { $0.labels["family"] == "inet6" && $0.value == 1 }
                                    && samples.filter { $0.labels["family"] == "inet" }.allSatisfy { $0.value == 0 }
                            }
                            try await stack.waitFor("bindwatch_dad_failures_total") { $0.first?.value == 1 }
                            // And the alert rule fires on it.
                            try await stack.waitFor(
                                "ALERTS{alertname=\"BindwatchAddressDADFailed\",alertstate=\"firing\"}"
                            ) {
                                !$0.isEmpty
                            }
                        }
                    }
                }
            }
        }

        private func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while !condition() {
                if ContinuousClock.now > deadline { throw DaemonFailure("timed out waiting for \(what)") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}
