import Foundation
import Synchronization
import Testing

/// What `make install DESTDIR=… PREFIX=/usr/local` produces: `$BINDWATCH_INSTALL_TREE`
/// (scripts/test makes it), else made once per test run.
enum InstallTree {
    private static let made = Mutex<Result<String, Command.Failure>?>(nil)

    static func path() throws -> String {
        if let tree = ProcessInfo.processInfo.environment["BINDWATCH_INSTALL_TREE"] { return tree }
        return try made.withLock { made -> Result<String, Command.Failure> in
            if let made { return made }
            let outcome = Result { () throws(Command.Failure) -> String in try makeTree() }
            made = outcome
            return outcome
        }.get()
    }

    private static func makeTree() throws(Command.Failure) -> String {
        do {
            let tree = try Command.run(["mktemp", "-d", "/tmp/bindwatch-install.XXXXXX"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try Command.run([
                "make", "-C", Command.repositoryRoot.path, "--no-print-directory", "install", "DESTDIR=\(tree)",
                "PREFIX=/usr/local",
            ])
            return tree
        } catch let failure as Command.Failure {
            throw failure
        } catch {
            throw Command.Failure(command: ["make", "install"], status: -1, output: "\(error)")
        }
    }
}

extension IntegrationTests {
    /// bindwatch's units as installed, under systemd 252 as PID 1 in a container: what CI
    /// cannot see with systemd-analyze and stand-ins.
    @Suite("Under a real systemd")
    struct SystemdManagerTests {
        /// Boots a container with the install tree, creates the user and directories as the
        /// README says, and starts the socket and the daemon.
        private func withBindwatch(
            dropIns: [String: String] = [:], _ body: (SystemdContainer) async throws -> Void
        ) async throws {
            try await SystemdContainer.with(installTree: try InstallTree.path()) { container in
                for (path, contents) in dropIns {
                    try container.writeFile(path: "/etc/systemd/system/\(path)", contents: contents)
                }
                try container.exec(["systemd-sysusers", "bindwatch.conf"])
                try container.exec(["systemd-tmpfiles", "--create", "bindwatch.conf"])
                try container.exec(["systemctl", "daemon-reload"])
                try container.exec(["systemctl", "enable", "--now", "bindwatchd.socket", "bindwatchd.service"])
                try await container.waitFor("bindwatchd active") {
                    try container.property("bindwatchd.service", "ActiveState") == "active"
                }
                do {
                    try await body(container)
                } catch {
                    Issue.record("bindwatchd's journal:\n\(container.journal(unit: "bindwatchd.service").suffix(3000))")
                    throw error
                }
            }
        }

        @Test("socket activation: both sockets passed, READY and STATUS, the sysusers user")
        func socketActivation() async throws {
            try await withBindwatch { container in
                let status = try container.property("bindwatchd.service", "StatusText")
                #expect(status.contains("addresses") && status.contains("bindable"), "\(status)")
                #expect(try container.property("bindwatchd.service", "Type") == "notify")
                let journal = container.journal(unit: "bindwatchd.service")
                #expect(journal.contains("Listening on the socket systemd passed"), "\(journal)")
                #expect(journal.contains("passedSockets=varlink,netlink"), "\(journal)")
                let pid = try container.property("bindwatchd.service", "MainPID")
                let uid = try container.exec(["id", "-u", "bindwatch"]).trimmingCharacters(in: .whitespacesAndNewlines)
                let processStatus = try container.exec(["cat", "/proc/\(pid)/status"])
                #expect(processStatus.contains("Uid:\t\(uid)\t"), "\(processStatus)")
                // Any user asks through the socket unit's socket.
                let listed = try container.exec([
                    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/usr/local/bin/bindwatchctl", "list", "--all",
                ])
                #expect(listed.contains("::1/128"), "\(listed)")
            }
        }

        @Test("systemctl reload applies a good file, and fails naming the key for a bad one")
        func reload() async throws {
            try await withBindwatch { container in
                let pid = try container.property("bindwatchd.service", "MainPID")
                try container.writeFile(
                    path: "/etc/bindwatch/bindwatch.yaml", contents: "policy:\n  excludeInterfaces: [lo]\n")
                try container.exec(["systemctl", "reload", "bindwatchd.service"])
                let excluded = try container.exec(["/usr/local/bin/bindwatchctl", "list", "--all", "--json"])
                #expect(excluded.contains("interface-excluded"), "\(excluded)")

                try container.writeFile(
                    path: "/etc/bindwatch/bindwatch.yaml", contents: "policy:\n  link: sideways\n")
                let refused = try container.execAllowingFailure(["systemctl", "reload", "bindwatchd.service"])
                #expect(refused.status != 0, "systemctl reload succeeded with an invalid file")
                let journal = container.journal(unit: "bindwatchd.service")
                #expect(
                    journal.contains(
                        "policy.link in config file /etc/bindwatch/bindwatch.yaml: expected any, up or running"),
                    "\(journal)")
                // The old settings stay, and so does the process.
                let after = try container.exec(["/usr/local/bin/bindwatchctl", "list", "--all", "--json"])
                #expect(after.contains("interface-excluded"))
                #expect(try container.property("bindwatchd.service", "MainPID") == pid)
                #expect(try container.property("bindwatchd.service", "ActiveState") == "active")
                #expect(!journal.contains("/bin/kill"))
            }
        }

        @Test("the watchdog restarts a stopped daemon; clients are answered on the same socket")
        func watchdog() async throws {
            let dropIn = ["bindwatchd.service.d/watchdog.conf": "[Service]\nWatchdogSec=2s\n"]
            try await withBindwatch(dropIns: dropIn) { container in
                let pid = try container.property("bindwatchd.service", "MainPID")
                // The image has no kill(1) (procps): systemd sends it.
                try container.exec(["systemctl", "kill", "--kill-who=main", "--signal=SIGSTOP", "bindwatchd.service"])
                try await container.waitFor("a new bindwatchd process", timeout: .seconds(20)) {
                    let now = try container.property("bindwatchd.service", "MainPID")
                    let state = try container.property("bindwatchd.service", "ActiveState")
                    return now != pid && now != "0" && state == "active"
                }
                #expect(Int(try container.property("bindwatchd.service", "NRestarts")) ?? 0 >= 1)
                #expect(container.journal(unit: "bindwatchd.service").contains("Watchdog timeout"))
                let status = try container.exec(["/usr/local/bin/bindwatchctl", "status", "--json"])
                #expect(status.contains("\"synced\":true"), "\(status)")
            }
        }

        /// What bind() says, in the container, for each address of `interfaces` (every
        /// interface when empty): 0 or the errno, by address.
        private func bindResults(_ container: SystemdContainer, interfaces: Set<String> = []) throws -> [String: Int] {
            let output = try container.exec(["ip", "-j", "addr", "show"])
            let links = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
            var arguments: [String] = []
            for link in links {
                guard let name = link["ifname"] as? String, let ifindex = link["ifindex"] as? Int,
                    interfaces.isEmpty || interfaces.contains(name)
                else { continue }
                for info in link["addr_info"] as? [[String: Any]] ?? [] {
                    guard let local = info["local"] as? String else { continue }
                    arguments.append(local.hasPrefix("fe80:") ? "\(local)%\(ifindex)" : local)
                }
            }
            let script = try String(contentsOf: URL(fileURLWithPath: Command.script("bind-check.py")), encoding: .utf8)
            try container.writeFile(path: "/usr/local/lib/bind-check.py", contents: script)
            let results = try container.exec(["python3", "/usr/local/lib/bind-check.py"] + arguments)
            return try JSONDecoder().decode([String: Int].self, from: Data(results.utf8))
        }

        private func isTentative(_ container: SystemdContainer, _ address: String) throws -> Bool {
            let output = try container.exec(["ip", "-j", "addr", "show", "to", address])
            return output.contains("\"tentative\":true")
        }

        /// A veth pair inside, both ends up, DAD of `probes` probes a second.
        private func vethPair(_ container: SystemdContainer, probes: Int) throws {
            try container.exec(["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"])
            for link in ["v0", "v1"] {
                try container.exec(["sh", "-c", "echo \(probes) > /proc/sys/net/ipv6/conf/\(link)/dad_transmits"])
            }
            try container.exec(["ip", "link", "set", "v1", "up"])
            try container.exec(["ip", "link", "set", "v0", "up"])
        }

        @Test("the wait units finish only when every address they cover binds; network-online.target waits")
        func waitUnits() async throws {
            try await withBindwatch { container in
                try vethPair(container, probes: 3)
                try container.exec(["ip", "addr", "add", "2001:db8::1/64", "dev", "v0"])
                #expect(try isTentative(container, "2001:db8::1"))
                try container.exec(["systemctl", "start", "bindwatch-wait@v0.service"])
                let onV0 = try bindResults(container, interfaces: ["v0"])
                #expect(onV0.count == 2 && onV0.values.allSatisfy { $0 == 0 }, "right after the unit: \(onV0)")

                // The host as a whole, before network-online.target.
                try container.exec(["systemctl", "enable", "bindwatch-wait-online.service"])
                _ = try container.execAllowingFailure(["systemctl", "stop", "network-online.target"])
                try container.exec(["ip", "addr", "add", "2001:db8::2/64", "dev", "v0"])
                try container.exec(["ip", "addr", "add", "2001:db8:1::1/64", "dev", "v1"])
                #expect(try isTentative(container, "2001:db8:1::1"))
                try container.exec(["systemctl", "start", "network-online.target"])
                let host = try bindResults(container)
                #expect(host.values.allSatisfy { $0 == 0 }, "right after network-online.target: \(host)")
                #expect(try container.property("bindwatch-wait-online.service", "Result") == "success")
                let waited = try container.property("bindwatch-wait-online.service", "ActiveEnterTimestampMonotonic")
                let online = try container.property("network-online.target", "ActiveEnterTimestampMonotonic")
                #expect((UInt64(waited) ?? .max) <= (UInt64(online) ?? 0), "wait-online \(waited), target \(online)")
                #expect(
                    try container.property("bindwatch-wait-online.service", "Before").contains("network-online.target"))

                // One address.
                try container.exec(["ip", "addr", "add", "2001:db8::3/64", "dev", "v0"])
                #expect(try isTentative(container, "2001:db8::3"))
                try container.exec(["systemctl", "start", "bindwatch-wait-address@2001:db8::3.service"])
                #expect(try bindResults(container, interfaces: ["v0"])["2001:db8::3"] == 0)

                for unit in ["bindwatch-wait@v0.service", "bindwatch-wait-online.service"] {
                    let journal = container.journal(unit: unit)
                    #expect(!journal.contains("thread priority"), "\(unit): \(journal)")
                }
            }
        }

        @Test("a wait that times out fails its unit, naming the address still in DAD")
        func waitTimeout() async throws {
            let dropIn = [
                "bindwatch-wait-address@.service.d/timeout.conf": "[Service]\nEnvironment=BINDWATCH_WAIT_TIMEOUT=2\n"
            ]
            try await withBindwatch(dropIns: dropIn) { container in
                try vethPair(container, probes: 30)
                try container.exec(["ip", "addr", "add", "2001:db8::9/64", "dev", "v0"])
                let unit = "bindwatch-wait-address@2001:db8::9.service"
                let started = try container.execAllowingFailure(["systemctl", "start", unit])
                #expect(started.status != 0)
                #expect(try container.property(unit, "Result") == "exit-code")
                let journal = container.journal(unit: unit)
                #expect(journal.contains("bindwatchctl: 2001:db8::9 on v0: tentative"), "\(journal)")
                #expect(journal.contains("timed out after 2 s"), "\(journal)")
            }
        }

        @Test(
            "bindwatch-dispatch runs /etc's programs on a change, bindwatch-metrics keeps Debian's textfile current; both fail once on what a restart cannot mend"
        )
        func dispatchAndMetricsUnits() async throws {
            try await withBindwatch { container in
                try vethPair(container, probes: 1)
                try container.writeFile(
                    path: "/etc/bindwatch/dispatch.d/50-record",
                    contents: "#!/bin/sh\necho \"$1 $BINDWATCH_ADDED\" >> /run/dispatched\n", mode: 0o755)
                // What Debian's prometheus-node-exporter package creates.
                try container.exec(["mkdir", "-p", "/var/lib/prometheus/node-exporter"])
                let textfile = "/var/lib/prometheus/node-exporter/bindwatch.prom"
                try container.exec(["systemctl", "start", "bindwatch-dispatch.service", "bindwatch-metrics.service"])
                func read(_ path: String) -> String { (try? container.exec(["cat", path])) ?? "" }
                try await container.waitFor("the startup run") { read("/run/dispatched").contains("startup") }
                try await container.waitFor("the textfile") { read(textfile).contains("bindwatch_up 1") }
                let before = read(textfile)

                try container.exec(["ip", "addr", "add", "2001:db8::5/64", "dev", "v0"])
                try await container.waitFor("the run for 2001:db8::5") {
                    read("/run/dispatched").contains("changed 2001:db8::5")
                }
                #expect(try bindResults(container, interfaces: ["v0"])["2001:db8::5"] == 0)
                try await container.waitFor("the textfile's new count") { read(textfile) != before }
                try PrometheusStack.checkMetrics(read(textfile))
                #expect(
                    try container.exec(["stat", "-c", "%a %u", textfile]).trimmingCharacters(
                        in: .whitespacesAndNewlines) == "644 0")

                for unit in ["bindwatch-dispatch.service", "bindwatch-metrics.service"] {
                    #expect(try container.property(unit, "ActiveState") == "active", "\(container.journal(unit: unit))")
                    let journal = container.journal(unit: unit)
                    #expect(!journal.contains("thread priority"), "\(unit): \(journal)")
                }
                #expect(container.journal(unit: "bindwatch-dispatch.service").contains("Script finished"))
                try container.exec(["systemctl", "stop", "bindwatch-dispatch.service", "bindwatch-metrics.service"])
                for unit in ["bindwatch-dispatch.service", "bindwatch-metrics.service"] {
                    #expect(try container.property(unit, "Result") == "success", "\(container.journal(unit: unit))")
                }

                // What a restart cannot mend: no textfile directory, a setting the dispatcher
                // refuses. Each unit fails once, saying why, rather than start every few seconds.
                try container.exec(["rm", "-rf", "/var/lib/prometheus"])
                try container.writeFile(
                    path: "/etc/systemd/system/bindwatch-dispatch.service.d/bad.conf",
                    contents: "[Service]\nEnvironment=BINDWATCH_DISPATCH_TIMEOUT=soon\n")
                try container.exec(["systemctl", "daemon-reload"])
                _ = try container.execAllowingFailure([
                    "systemctl", "start", "bindwatch-metrics.service", "bindwatch-dispatch.service",
                ])
                for unit in ["bindwatch-metrics.service", "bindwatch-dispatch.service"] {
                    try await container.waitFor("\(unit) failed") {
                        try container.property(unit, "ActiveState") == "failed"
                    }
                }
                // Longer than either RestartSec=: a restart would have come by now.
                try await Task.sleep(for: .seconds(7))
                let failures = [
                    ("bindwatch-metrics.service", "73", "cannot write \(textfile)"),
                    ("bindwatch-dispatch.service", "78", "invalid value for BINDWATCH_DISPATCH_TIMEOUT"),
                ]
                for (unit, status, message) in failures {
                    let journal = container.journal(unit: unit)
                    #expect(try container.property(unit, "ActiveState") == "failed", "\(journal)")
                    #expect(try container.property(unit, "NRestarts") == "0", "\(journal)")
                    #expect(try container.property(unit, "ExecMainStatus") == status, "\(journal)")
                    #expect(journal.contains(message), "\(journal)")
                }
            }
        }

        @Test("the sandbox: no AF_INET socket for the daemon's processes, a seccomp filter on the daemon")
        func sandbox() async throws {
            // ExecStartPre= runs in the service's sandbox, as the daemon does.
            let probe = """
                import errno, socket
                for name, family in (("AF_INET", socket.AF_INET), ("AF_UNIX", socket.AF_UNIX)):
                    try:
                        socket.socket(family, socket.SOCK_STREAM).close()
                        print("probe", name, "allowed")
                    except OSError as error:
                        print("probe", name, "denied", errno.errorcode[error.errno])
                """
            let dropIn = [
                "bindwatchd.service.d/probe.conf": "[Service]\nExecStartPre=/usr/bin/python3 /usr/local/lib/probe.py\n"
            ]
            try await SystemdContainer.with(installTree: try InstallTree.path()) { container in
                try container.writeFile(path: "/usr/local/lib/probe.py", contents: probe)
                for (path, contents) in dropIn {
                    try container.writeFile(path: "/etc/systemd/system/\(path)", contents: contents)
                }
                try container.exec(["systemd-sysusers", "bindwatch.conf"])
                try container.exec(["systemctl", "daemon-reload"])
                try container.exec(["systemctl", "start", "bindwatchd.socket", "bindwatchd.service"])
                let journal = container.journal(unit: "bindwatchd.service")
                #expect(journal.contains("probe AF_INET denied EAFNOSUPPORT"), "\(journal)")
                #expect(journal.contains("probe AF_UNIX allowed"), "\(journal)")
                let pid = try container.property("bindwatchd.service", "MainPID")
                #expect(try container.exec(["cat", "/proc/\(pid)/status"]).contains("Seccomp:\t2"))
            }
        }
    }
}

extension SystemdContainer {
    /// `systemctl show -p NAME --value UNIT`.
    func property(_ unit: String, _ name: String) throws -> String {
        try exec(["systemctl", "show", "-p", name, "--value", unit]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls `condition` every 100 ms until it holds, or fails after `timeout`.
    func waitFor(_ what: String, timeout: Duration = .seconds(15), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(try condition()) {
            guard ContinuousClock.now < deadline else {
                throw DaemonFailure("timed out waiting for \(what); journal:\n\(journal().suffix(3000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
