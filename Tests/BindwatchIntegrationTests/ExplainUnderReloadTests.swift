import BindwatchClient
import Foundation
import Testing

extension IntegrationTests {
    @Suite("Explain during reloads")
    struct ExplainUnderReloadTests {
        @Test("every Explain explains its reasons with the policy that produced them, while reloads flip it")
        func consistentWithReloads() async throws {
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let config = "\(directory)/bindwatch.yaml"
                let excluding = "policy:\n  excludeInterfaces: [veth0]\n"
                let including = "policy:\n  excludeInterfaces: []\n"
                try excluding.write(toFile: config, atomically: true, encoding: .utf8)
                let daemon = try await RunningDaemon.start(in: namespace, arguments: ["--config", config])
                defer { daemon.stop() }
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.60/24", "dev", "veth0")
                try await daemon.waitForAddresses("the excluded address") {
                    $0.values.contains {
                        $0["address"]?.text == "192.0.2.60" && $0["reasons"]?.stringArray == ["interface-excluded"]
                    }
                }

                // One client flips the policy as fast as the daemon takes it; another asks
                // Explain meanwhile. An explanation read from a policy other than the one the
                // reasons came from would say veth0 matches none of an empty include list.
                let reloads = 150
                async let flipping: Void = {
                    for round in 0..<reloads {
                        try (round.isMultiple(of: 2) ? including : excluding).write(
                            toFile: config, atomically: true, encoding: .utf8)
                        _ = try await daemon.call("io.bindwatch.Reload")
                    }
                }()
                var excludedSeen = 0
                var bindableSeen = 0
                try await BindwatchConnection.withConnection(socketPath: daemon.socketPath, replyTimeout: 10) {
                    bindwatch in
                    for _ in 0..<600 {
                        let explanation = try await bindwatch.explain("192.0.2.60")
                        let copy = try #require(explanation.addresses.first)
                        if copy.address.reasons.contains(.interfaceExcluded) {
                            excludedSeen += 1
                            let reason = try #require(copy.reasons.first { $0.reason == "interface-excluded" })
                            #expect(reason.source == "policy.excludeInterfaces", "\(reason)")
                            #expect(reason.detail.contains("matches policy.excludeInterfaces \"veth0\""), "\(reason)")
                        } else {
                            bindableSeen += 1
                            #expect(copy.reasons.isEmpty, "\(copy.reasons)")
                        }
                    }
                }
                try await flipping
                // Both states were seen, or the test proved nothing.
                #expect(excludedSeen > 0 && bindableSeen > 0, "excluded \(excludedSeen), bindable \(bindableSeen)")
            }
        }
    }
}
