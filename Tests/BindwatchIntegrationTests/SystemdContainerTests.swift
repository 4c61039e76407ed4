import Foundation
import Testing

extension IntegrationTests {
    /// The harness the systemd tests stand on: a real systemd as PID 1 in a container, with a
    /// network namespace of its own, gone without a trace afterwards.
    @Suite("systemd container harness")
    struct SystemdContainerHarnessTests {
        @Test("boots systemd as PID 1 with its own network, and leaves nothing on the host")
        func bootsAndCleansUp() async throws {
            let (name, nspawnPID) = try await SystemdContainer.with(installTree: nil) { container in
                #expect(try container.exec(["cat", "/proc/1/comm"]) == "systemd\n")
                // The kernel settings the unit tests need: veth pairs and DAD, in the container's
                // own namespace (the host must not see v0).
                try container.exec(["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"])
                try container.exec(["sh", "-c", "echo 0 >/proc/sys/net/ipv6/conf/v0/dad_transmits"])
                #expect(try container.exec(["cat", "/proc/sys/net/ipv6/conf/v0/dad_transmits"]) == "0\n")
                #expect(try Command.runAllowingFailure(["ip", "link", "show", "dev", "v0"]).status != 0)

                let config = "log:\n  level: debug\n"
                try container.writeFile(path: "/etc/bindwatch/probe.yaml", contents: config, mode: 0o600)
                #expect(try container.exec(["stat", "-c", "%a", "/etc/bindwatch/probe.yaml"]) == "600\n")
                #expect(try container.exec(["cat", "/etc/bindwatch/probe.yaml"]) == config)

                // A transient unit's output, read back from the journal (which may lag a moment).
                try container.exec([
                    "systemd-run", "--wait", "--quiet", "--unit=harness-probe", "echo", "probe says hi",
                ])
                let deadline = ContinuousClock.now + .seconds(5)
                while !container.journal(unit: "harness-probe").contains("probe says hi"),
                    ContinuousClock.now < deadline
                {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(container.journal(unit: "harness-probe").contains("probe says hi"))
                return (container.name, container.nspawnPID)
            }
            let nspawnComm = try? String(contentsOfFile: "/proc/\(nspawnPID)/comm", encoding: .utf8)
            #expect(nspawnComm != "systemd-nspawn\n", "systemd-nspawn \(nspawnPID) still runs")
            #expect(SystemdContainer.remains(of: name) == [])
        }
    }
}
