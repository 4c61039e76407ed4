import BindwatchClient
import Foundation
import Testing

extension IntegrationTests {
    /// bindwatch-dispatch against the real kernel: scripts the test writes, a daemon in a
    /// namespace, DAD that really runs.
    @Suite("The dispatcher")
    struct DispatcherTests {
        /// What `List` says, in the dispatcher's text: link-local addresses with their zone.
        private func listed(_ daemon: RunningDaemon) async throws -> [String] {
            try await BindwatchConnection.withConnection(socketPath: daemon.socketPath, replyTimeout: 10) {
                try await $0.list().addresses.map { address in
                    address.family == .inet6 && address.scope == .link
                        ? "\(address.address)%\(address.interface)" : "\(address.address)"
                }
            }
        }

        /// Until the link-local address of a link that just came up has finished DAD: it would
        /// otherwise make a run of its own in the middle of a test.
        private func linkLocalSettled(_ daemon: RunningDaemon, _ interface: String) async throws {
            try await daemon.waitForAddresses("\(interface)'s link-local address") { addresses in
                addresses.values.contains {
                    $0["interface"]?.text == interface && $0["address"]?.text.hasPrefix("fe80:") == true
                        && $0["bindable"] == .bool(true)
                }
            }
        }

        @Test("a startup run with the set; a DAD that finishes gives one added run; environment and stdin agree")
        func startupAndDAD() async throws {
            try await NetworkNamespace.with { peer in
                try await withDaemon { namespace, daemon in
                    try namespace.addVeth("veth0", peer: "veth1", in: peer)
                    try namespace.ip("addr", "add", "192.0.2.1/24", "dev", "veth0")
                    try await linkLocalSettled(daemon, "veth0")
                    try await RunningDispatcher.with(socketPath: daemon.socketPath) { paths in
                        try paths.recordingScript("10-record")
                    } _: { dispatcher in
                        let startup = try #require(
                            try await dispatcher.waitForRuns("the startup run") { $0.count == 1 }.first)
                        #expect(startup.argument == "startup")
                        #expect(startup.action == "startup")
                        #expect(startup.variables["BINDWATCH_TEST_MARK"] == "inherited")
                        #expect(startup.variables["PATH"] != nil)
                        let bindable = try await listed(daemon)
                        #expect(startup.list("BINDWATCH_BINDABLE") == bindable)
                        #expect(startup.list("BINDWATCH_ADDED") == bindable)
                        #expect(startup.list("BINDWATCH_REMOVED").isEmpty)
                        #expect(startup.list("BINDWATCH_BINDABLE_INET") == bindable.filter { !$0.contains(":") })
                        #expect(startup.list("BINDWATCH_BINDABLE_INET6") == bindable.filter { $0.contains(":") })
                        #expect(
                            startup.list("BINDWATCH_BINDABLE").contains {
                                $0.hasPrefix("fe80:") && $0.hasSuffix("%veth0")
                            })
                        #expect(startup.input["action"] == .string("startup"))
                        #expect(startup.ids("bindable").count == bindable.count)
                        #expect(startup.input["generation"]?.text == startup.variables["BINDWATCH_GENERATION"])

                        // DAD really runs (the peer answers nothing): tentative first, no run for it.
                        try namespace.sysctl("net.ipv6.conf.veth0.dad_transmits=2")
                        try namespace.ip("addr", "add", "2001:db8:30::1/64", "dev", "veth0")
                        let runs = try await dispatcher.waitForRuns("the DAD run") { $0.count >= 2 }
                        let added = runs[1]
                        #expect(added.argument == "changed" && added.action == "changed")
                        #expect(added.list("BINDWATCH_ADDED") == ["2001:db8:30::1"])
                        #expect(added.list("BINDWATCH_REMOVED").isEmpty)
                        #expect(added.list("BINDWATCH_INTERFACES") == ["veth0"])
                        #expect(added.list("BINDWATCH_BINDABLE") == (try await listed(daemon)))
                        #expect(added.ids("added") == ["\(try namespace.ifindex("veth0"))/2001:db8:30::1"])
                        // By the time the script ran, the kernel binds it.
                        #expect(try namespace.bindResults(["2001:db8:30::1"])["2001:db8:30::1"] == 0)

                        try namespace.ip("addr", "del", "192.0.2.1/24", "dev", "veth0")
                        let removed = try await dispatcher.waitForRuns("the removal run") { $0.count >= 3 }[2]
                        #expect(removed.list("BINDWATCH_REMOVED") == ["192.0.2.1"])
                        #expect(removed.list("BINDWATCH_ADDED").isEmpty)
                        #expect(removed.ids("removed").count == 1)
                        try await Task.sleep(for: .seconds(1))
                        #expect(try dispatcher.recordedRuns().count == 3, "one run per change of the bindable set")
                    }
                }
            }
        }

        @Test("1,000 addresses in one burst: far fewer runs, nothing twice, the last one's set is List's")
        func burst() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                // Both ends are here: each makes a link-local address of its own.
                try await linkLocalSettled(daemon, "veth0")
                try await linkLocalSettled(daemon, "veth1")
                try await RunningDispatcher.with(socketPath: daemon.socketPath) { paths in
                    // A script that takes its time, as real ones do: the burst outruns it.
                    try paths.recordingScript("10-record", seconds: 0.2)
                } _: { dispatcher in
                    try await dispatcher.waitForRuns("the startup run") { $0.count == 1 }
                    try namespace.batchAddresses("add", 1...1000, prefix: "2001:db8:40::", device: "veth0")
                    let expected = Set((1...1000).map { "2001:db8:40::\(String($0, radix: 16))" })
                    let runs = try await dispatcher.waitForRuns("every address dispatched") { runs in
                        expected.isSubset(of: runs.last?.list("BINDWATCH_BINDABLE") ?? [])
                    }
                    let changed = runs.dropFirst()
                    #expect(changed.count < 50, "\(changed.count) runs for 1,000 addresses")
                    let added = changed.flatMap { $0.list("BINDWATCH_ADDED") }
                    #expect(added.count == Set(added).count, "an address reported twice")
                    #expect(Set(added) == expected)
                    #expect(changed.allSatisfy { $0.list("BINDWATCH_REMOVED").isEmpty })
                    try await Task.sleep(for: .seconds(1))
                    let final = try #require(try dispatcher.recordedRuns().last)
                    #expect(final.list("BINDWATCH_BINDABLE") == (try await listed(daemon)))
                }
            }
        }

        @Test(
            "unsafe scripts are skipped with a warning; a hung one is stopped and the next still runs; /etc overrides and masks"
        )
        func scriptChecks() async throws {
            try await withDaemon { namespace, daemon in
                let marks = try Command.run(["mktemp", "-d", "/tmp/bindwatch-marks.XXXXXX"]).trimmingCharacters(
                    in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: marks) }
                try await RunningDispatcher.with(socketPath: daemon.socketPath, directories: 2, timeout: 1) { paths in
                    try paths.recordingScript("10-record")
                    try paths.script("20-world-writable", mode: "0777", "#!/bin/sh\ntouch '\(marks)/20'")
                    try paths.script("30-setuid", mode: "4755", "#!/bin/sh\ntouch '\(marks)/30'")
                    try paths.script("35-fails", "#!/bin/sh\nexit 3")
                    try paths.script("40-hangs", "#!/bin/sh\nsleep 61.25\ntouch '\(marks)/40'")
                    try paths.recordingScript("50-after", tag: "after")
                    // The second directory stands for the packaged one: the first overrides it.
                    try paths.script("60-masked", in: 1, "#!/bin/sh\ntouch '\(marks)/60'")
                    try FileManager.default.createSymbolicLink(
                        atPath: "\(paths.directories[0])/60-masked", withDestinationPath: "/dev/null")
                    try paths.script("70-overridden", in: 1, "#!/bin/sh\ntouch '\(marks)/70-packaged'")
                    try paths.script("70-overridden", "#!/bin/sh\ntouch '\(marks)/70-local'")
                } _: { dispatcher in
                    let runs = try await dispatcher.waitForRuns("both recording scripts", timeout: .seconds(20)) {
                        $0.count == 2
                    }
                    #expect(runs.map(\.action) == ["startup", "startup"])
                    // Marks are written before the scripts end; the last script ran, so all did.
                    try await Task.sleep(for: .milliseconds(200))
                    let marked = Set(try FileManager.default.contentsOfDirectory(atPath: marks))
                    #expect(marked == ["70-local"])
                    let log = dispatcher.log
                    #expect(
                        log.contains(
                            "Script skipped reason=writable by group or others script=\(paths(dispatcher, 0))/20-world-writable"
                        ))
                    #expect(
                        log.contains("Script skipped reason=setuid or setgid script=\(paths(dispatcher, 0))/30-setuid"))
                    #expect(log.contains("Script failed"))
                    #expect(log.contains("script=\(paths(dispatcher, 0))/35-fails") && log.contains("status=3"))
                    #expect(log.contains("Script stopped at its timeout"))
                    #expect(log.contains("script=\(paths(dispatcher, 0))/40-hangs"))
                    // The process group went with it: no sleep of the hung script is left.
                    let left = try Command.runAllowingFailure(["pgrep", "-f", "sleep 61.25"])
                    #expect(left.status == 1, "the hung script's child survived: \(left.output)")
                }
            }
        }

        private func paths(_ dispatcher: RunningDispatcher, _ index: Int) -> String { dispatcher.scripts[index] }

        @Test("a daemon restart in the middle: the next run is the difference, nothing lost or repeated")
        func daemonRestart() async throws {
            try await NetworkNamespace.with { namespace in
                let socketDirectory = try Command.run(["mktemp", "-d", "/tmp/bindwatch-socket.XXXXXX"])
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: socketDirectory) }
                let socketPath = "\(socketDirectory)/io.bindwatch"
                try namespace.addVeth("veth0", peer: "veth1")
                try namespace.ip("addr", "add", "192.0.2.10/24", "dev", "veth0")
                var daemon = try await RunningDaemon.start(in: namespace, socketPath: socketPath)
                defer { daemon.stop() }
                try await linkLocalSettled(daemon, "veth0")
                try await linkLocalSettled(daemon, "veth1")
                try await RunningDispatcher.with(socketPath: socketPath) { paths in
                    try paths.recordingScript("10-record")
                } _: { dispatcher in
                    let startup = try await dispatcher.waitForRuns("the startup run") { $0.count == 1 }[0]
                    #expect(startup.list("BINDWATCH_BINDABLE").contains("192.0.2.10"))
                    daemon.stop()
                    // While the daemon is away: one address goes, another comes.
                    try namespace.ip("addr", "del", "192.0.2.10/24", "dev", "veth0")
                    try namespace.ip("addr", "add", "192.0.2.11/24", "dev", "veth0")
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(try dispatcher.recordedRuns().count == 1, "a run without the daemon")
                    daemon = try await RunningDaemon.start(in: namespace, socketPath: socketPath)
                    let runs = try await dispatcher.waitForRuns("the run after the restart") { $0.count == 2 }
                    #expect(runs[1].action == "changed")
                    #expect(runs[1].list("BINDWATCH_ADDED") == ["192.0.2.11"])
                    #expect(runs[1].list("BINDWATCH_REMOVED") == ["192.0.2.10"])
                    #expect(runs[1].list("BINDWATCH_BINDABLE") == (try await listed(daemon)))
                    try await Task.sleep(for: .seconds(1))
                    #expect(try dispatcher.recordedRuns().count == 2, "a run repeated after the restart")
                    #expect(dispatcher.isRunning)
                }
            }
        }
    }
}
