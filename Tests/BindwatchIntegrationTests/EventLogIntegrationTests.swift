import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc
import Testing

extension IntegrationTests {
    @Suite("Event log")
    struct EventLogIntegrationTests {
        /// Polls until the log holds a line for which `condition` holds.
        private func waitForLog(
            _ path: String, rotated: Bool = false, timeout: Duration = .seconds(30), _ what: String,
            _ condition: ([[String: JSONValue]]) -> Bool
        ) async throws -> EventLogLines {
            let deadline = ContinuousClock.now + timeout
            while true {
                // The daemon may be writing: a last line without its newline is not torn yet.
                let lines =
                    try rotated
                    ? EventLogLines(rotatedSet: path, cuttingPartialLine: true)
                    : EventLogLines(file: path, cuttingPartialLine: true)
                if condition(lines.events) { return lines }
                if ContinuousClock.now > deadline {
                    let last = lines.events.suffix(3).map { "\($0["type"]?.text ?? "?") \($0["id"]?.text ?? "")" }
                    throw DaemonFailure("timed out waiting for \(what) in \(path); it ends with \(last)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        @Test("under churn every kernel change is logged once, in order, with seq going up by one")
        func churn() async throws {
            try await withDaemon { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                let ifindex = try namespace.ifindex("veth0")
                let prefix = "2001:db8:e::"
                try namespace.batchAddresses("add", 1...300, prefix: prefix, device: "veth0")
                try namespace.batchAddresses(
                    "change", 1...150, prefix: prefix, device: "veth0", options: "preferred_lft 0 valid_lft 3600")
                try namespace.batchAddresses("del", 1...300, prefix: prefix, device: "veth0")
                let id = { (number: Int) in "\(ifindex)/\(prefix)\(String(number, radix: 16))" }
                let expected =
                    (1...300).map { "added \(id($0))" } + (1...150).map { "changed \(id($0))" }
                    + (1...300).map { "removed \(id($0))" }
                let lines = try await waitForLog(daemon.eventLogPath, "the last removal") {
                    $0.last?["id"]?.text == id(300) && $0.last?["type"]?.text == "removed"
                }
                #expect(lines.events.first?["type"]?.text == "started")
                #expect(lines.addressEvents(matching: prefix) == expected)
                #expect(lines.sequences.first == 1)
                #expect(lines.sequences.isConsecutive, "no gap, no repeat")
                let deprecated = try #require(
                    lines.events.first { $0["type"]?.text == "changed" && $0["id"]?.text == id(1) })
                #expect(deprecated["changes"]?["bindable"] == .array([.bool(true), .bool(false)]))
                #expect(deprecated["address"]?["reasons"]?.stringArray == ["deprecated"])
            }
        }

        @Test("rotation under load: no line lost, repeated or torn, and `bindwatchctl log -f` follows it")
        func rotationUnderLoad() async throws {
            let maxBytes = 65_536
            try await withDaemon(
                arguments: ["--event-log-max-bytes", "\(maxBytes)", "--event-log-keep", "1000"]
            ) { namespace, daemon in
                try namespace.addVeth("veth0", peer: "veth1")
                let prefix = "2001:db8:f::"
                let follower = Process()
                follower.executableURL = URL(fileURLWithPath: IntegrationEnvironment.controlPath)
                follower.arguments = ["log", "-f", "--json", "-n", "1", "--file", daemon.eventLogPath]
                let followed = "\(daemon.directory)/followed.jsonl"
                _ = FileManager.default.createFile(atPath: followed, contents: nil)
                follower.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: followed))
                try follower.run()
                defer {
                    follower.terminate()
                    follower.waitUntilExit()
                }
                // The follower has printed the `started` line: it is reading.
                _ = try await waitForLog(followed, "the follower's first line") { !$0.isEmpty }

                try namespace.batchAddresses("add", 1...1500, prefix: prefix, device: "veth0")
                try namespace.batchAddresses("del", 1...1500, prefix: prefix, device: "veth0")
                // A marker last: once the daemon lists it, it has applied (and logged) the burst.
                try namespace.ip("addr", "add", "192.0.2.250/24", "dev", "veth0")
                try await daemon.waitForAddresses("the marker after the burst") {
                    $0.keys.contains { $0.hasSuffix("/192.0.2.250/24") }
                }
                // The files are renamed while the daemon writes: read the set until two reads
                // agree and the marker's line is in. A line still being written is cut (and the
                // marker's is the last); one torn anywhere else throws.
                var lines = try EventLogLines(rotatedSet: daemon.eventLogPath, cuttingPartialLine: true)
                while true {
                    try await Task.sleep(for: .milliseconds(200))
                    let again = try EventLogLines(rotatedSet: daemon.eventLogPath, cuttingPartialLine: true)
                    let hasMarker = again.events.contains { ($0["id"]?.text ?? "").hasSuffix("/192.0.2.250/24") }
                    if again.sequences == lines.sequences && hasMarker { break }
                    lines = again
                }
                #expect(lines.sequences.first == 1)
                #expect(lines.sequences.isConsecutive, "no gap, no repeat across the rotated set")
                #expect(lines.addressEvents(matching: prefix).count == 3000)
                var rotated = 0
                while FileManager.default.fileExists(atPath: "\(daemon.eventLogPath).\(rotated + 1)") { rotated += 1 }
                #expect(rotated >= 10, "3,000 lines of ~700 bytes in 64 KiB files")
                for number in 0...rotated {
                    let path = number == 0 ? daemon.eventLogPath : "\(daemon.eventLogPath).\(number)"
                    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? .max
                    #expect(size <= maxBytes, "\(path) is \(size) bytes")
                }

                let lastSequence = try #require(lines.sequences.last)
                let seen = try await waitForLog(followed, "the follower to catch up") {
                    $0.last.map {
                        if case .number(let value)? = $0["seq"] { Int(value) >= lastSequence } else { false }
                    }
                        ?? false
                }
                // Compared as a whole but reported briefly: thousands of numbers help nobody.
                let followedSequences = seen.sequences
                let missing = Set((followedSequences.first ?? 1)...lastSequence).subtracting(followedSequences).sorted()
                let firstOfBurst = lines.events.firstIndex { ($0["id"]?.text ?? "").contains(prefix) }.map {
                    lines.sequences[$0]
                }
                #expect(
                    (followedSequences.first ?? .max) < (firstOfBurst ?? 0), "the follower started before the burst")
                #expect(
                    followedSequences.isConsecutive,
                    "the follower skipped or repeated lines; missing \(missing.prefix(10))…")
                #expect((followedSequences.last ?? 0) >= lastSequence)
            }
        }

        @Test("kill -9 during a burst, then a restart on the same log: every line parses, seq goes on")
        func crashAndRestart() async throws {
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let log = "\(directory)/events.jsonl"
                try namespace.addVeth("veth0", peer: "veth1")
                let first = try await RunningDaemon.start(in: namespace, arguments: ["--event-log", log])
                defer { first.stop() }
                let burst = Process()
                burst.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                let commands = "\(directory)/burst.batch"
                try
                    (NetworkNamespace.addressLines("add", 1...6000, prefix: "2001:db8:9::", device: "veth0")
                    .joined(separator: "\n") + "\n").write(
                        toFile: commands, atomically: true, encoding: .utf8)
                burst.arguments = ["ip", "-n", namespace.name, "-batch", commands]
                try burst.run()
                // Mid-burst: some lines are written, more are coming.
                _ = try await waitForLog(log, "the burst to reach the log") { $0.count > 200 }
                first.crash()
                burst.waitUntilExit()
                #expect(burst.terminationStatus == 0)

                // A crash inside write() leaves a partial line; make sure there is one to cut.
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(#"{"seq":999999,"time":"2026-12-01T"#.utf8))
                try handle.close()
                let complete = try EventLogLines(
                    data: try #require(FileManager.default.contents(atPath: log)), cuttingPartialLine: true)
                let lastBefore = try #require(complete.sequences.last)
                #expect(complete.sequences.isStrictlyIncreasing)

                let second = try await RunningDaemon.start(in: namespace, arguments: ["--event-log", log])
                defer { second.stop() }
                try await expectMatchesKernel(second, namespace, timeout: .seconds(60))
                let after = try EventLogLines(file: log)  // throws if any line is torn
                #expect(after.events.count > complete.events.count)
                #expect(Array(after.sequences.prefix(complete.events.count)) == complete.sequences, "old lines kept")
                let started = after.events[complete.events.count]
                #expect(started["type"]?.text == "started")
                #expect(after.sequences[complete.events.count] == lastBefore + 1)
                #expect(after.sequences.isStrictlyIncreasing)
                #expect(started["counts"]?["addresses"] == (try await second.status())["addresses"])
                #expect(second.log.contains("Cut a partial last line off the event log"))
            }
        }

        @Test("a full disk: the daemon keeps serving, counts the lines it drops, and resumes")
        func fullDisk() async throws {
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                try Command.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", directory])
                defer {
                    _ = try? Command.runAllowingFailure(["umount", directory])
                    try? FileManager.default.removeItem(atPath: directory)
                }
                let log = "\(directory)/events.jsonl"
                let daemon = try await RunningDaemon.start(in: namespace, arguments: ["--event-log", log])
                defer { daemon.stop() }
                try namespace.addVeth("veth0", peer: "veth1")
                // Both ends' link-local addresses end DAD up to a second or two later, and their
                // events would be written (or torn and cut back) while the test reads the log.
                try await daemon.waitForAddresses("both veth ends' link-local addresses bindable") { addresses in
                    ["veth0", "veth1"].allSatisfy { interface in
                        addresses.values.contains {
                            $0["interface"]?.text == interface && $0["address"]?.text.hasPrefix("fe80:") == true
                                && $0["bindable"] == .bool(true)
                        }
                    }
                }
                let prefix = "2001:db8:d15c::"
                // ~700 bytes a line: 400 lines do not fit in 64 KiB.
                try namespace.batchAddresses("add", 1...400, prefix: prefix, device: "veth0")
                try await expectMatchesKernel(daemon, namespace)
                let status = try await daemon.status()
                let dropped = try #require(status["eventLogLinesDropped"].flatMap { Int($0.text) })
                #expect(dropped > 0, "\(status)")
                #expect(status["eventLog"]?.text == log)
                let whileFull = try EventLogLines(file: log)  // throws on a torn line
                #expect(whileFull.sequences.isStrictlyIncreasing)
                #expect(whileFull.addressEvents(matching: prefix).count + dropped >= 400)
                let warnings = daemon.log.components(separatedBy: "Cannot write the event log").count - 1
                #expect(warnings == 1, "one warning per failure, not one per line")

                // Room again: the next changes are written, and nothing more is dropped.
                try Command.run(["mount", "-o", "remount,size=4m", directory])
                try namespace.batchAddresses("del", 1...400, prefix: prefix, device: "veth0")
                let ifindex = try namespace.ifindex("veth0")
                let resumed = try await waitForLog(log, "the removals after the disk has room") {
                    $0.contains { $0["id"]?.text == "\(ifindex)/\(prefix)190" && $0["type"]?.text == "removed" }
                }
                #expect(resumed.addressEvents(matching: prefix).filter { $0.hasPrefix("removed") }.count == 400)
                #expect(resumed.sequences.isStrictlyIncreasing)
                #expect(try await daemon.status()["eventLogLinesDropped"].flatMap { Int($0.text) } == dropped)
                #expect(daemon.log.contains("The event log is writable again"))
                #expect(daemon.isRunning)
            }
        }

        @Test("the default path under systemd is $LOGS_DIRECTORY/events.jsonl, mode 0644 whatever the umask")
        func defaultPathAndMode() async throws {
            try await NetworkNamespace.with { namespace in
                let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let logs = "\(directory)/logs/bindwatch"
                let daemon = try await RunningDaemon.start(
                    in: namespace, environment: ["LOGS_DIRECTORY": logs],
                    launcher: ["sh", "-c", "umask 077 && exec \"$@\"", "sh"], defaultEventLog: true)
                defer { daemon.stop() }
                let path = "\(logs)/events.jsonl"
                #expect(try await daemon.status()["eventLog"]?.text == path)
                let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(mode == 0o644)
                let directoryMode = try FileManager.default.attributesOfItem(atPath: logs)[.posixPermissions] as? Int
                #expect(directoryMode == 0o755)

                // Without --file, bindwatchctl asks the daemon where the log is.
                let printed = try Command.run([
                    IntegrationEnvironment.controlPath, "--socket", daemon.socketPath, "log", "-n", "5",
                ])
                #expect(printed.contains(" #1 started "), "\(printed)")
                let json = try Command.run([
                    IntegrationEnvironment.controlPath, "--socket", daemon.socketPath, "log", "--json",
                ])
                #expect(json.hasPrefix(#"{"seq":1,"#))
            }
        }
    }
}
