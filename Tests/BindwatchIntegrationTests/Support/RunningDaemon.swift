import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc
import NIOCore

/// bindwatchd running inside a test namespace, talked to over its socket.
final class RunningDaemon: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test task that owns this value.
    let socketPath: String
    let directory: String
    private let process: Process
    private let logPath: String

    var pid: Int32 { process.processIdentifier }

    /// Starts the daemon in `namespace` and returns once it answers GetStatus.
    /// `user` runs it unprivileged through setpriv (uid:gid). `launcher` runs first and execs
    /// the rest (socket activation, a umask). Unless `arguments` say otherwise or
    /// `defaultEventLog` leaves it to the daemon, the event log is `eventLogPath`.
    static func start(
        in namespace: NetworkNamespace, socketPath: String? = nil, user: (uid: Int, gid: Int)? = nil,
        environment: [String: String] = [:], journalStream: Bool = false, launcher: [String] = [],
        defaultEventLog: Bool = false, arguments: [String] = []
    ) async throws -> RunningDaemon {
        let daemon = try launch(
            in: namespace, socketPath: socketPath, user: user, environment: environment,
            journalStream: journalStream, launcher: launcher, defaultEventLog: defaultEventLog, arguments: arguments)
        do {
            try await daemon.waitUntilAnswering()
        } catch {
            daemon.stop()
            throw error
        }
        return daemon
    }

    /// Starts the process and returns at once.
    static func launch(
        in namespace: NetworkNamespace, socketPath: String? = nil, user: (uid: Int, gid: Int)? = nil,
        environment: [String: String] = [:], journalStream: Bool = false, launcher: [String] = [],
        defaultEventLog: Bool = false, arguments: [String] = []
    ) throws -> RunningDaemon {
        let directory = try Command.run(["mktemp", "-d", "/tmp/bindwatch-test.XXXXXX"]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let socketPath = socketPath ?? "\(directory)/io.bindwatch"
        let logPath = "\(directory)/daemon.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // `ip netns exec` execs the daemon after setns: the pid is the daemon's.
        var asUser: [String] = []
        if let user {
            try Command.run(["chmod", "0777", directory])
            asUser = ["setpriv", "--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--inh-caps=-all"]
        }
        // Each daemon logs its events beside its socket unless the test says where.
        let eventLog =
            defaultEventLog || arguments.contains { $0 == "--event-log" || $0 == "--no-event-log" }
            ? [] : ["--event-log", "\(directory)/events.jsonl"]
        process.arguments =
            ["ip", "netns", "exec", namespace.name] + launcher + asUser
            + [IntegrationEnvironment.daemonPath, "--socket", socketPath, "--log-level", "debug"] + eventLog
            + arguments
        var environment = environment
        if journalStream {
            // As systemd does: the device and inode of the stream stderr is connected to.
            var status = stat()
            _ = stat(logPath, &status)
            environment["JOURNAL_STREAM"] = "\(status.st_dev):\(status.st_ino)"
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return RunningDaemon(socketPath: socketPath, directory: directory, process: process, logPath: logPath)
    }

    func waitUntilAnswering() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            if !process.isRunning { throw DaemonFailure("bindwatchd exited during start-up: \(log)") }
            if (try? await status()) != nil { return }
            if ContinuousClock.now > deadline {
                throw DaemonFailure("bindwatchd did not answer within 30 s: \(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private init(socketPath: String, directory: String, process: Process, logPath: String) {
        self.socketPath = socketPath
        self.directory = directory
        self.process = process
        self.logPath = logPath
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    /// The event log, unless the test gave `--event-log` itself.
    var eventLogPath: String { "\(directory)/events.jsonl" }
    var isRunning: Bool { process.isRunning }

    /// SIGTERM, then SIGKILL if it does not stop within 10 s; removes the directory.
    func stop() {
        // A stopped (SIGSTOP) daemon must run to hear SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGCONT) }
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The exit status, or nil if it has not exited within `timeout`.
    func waitForExit(timeout: Duration = .seconds(15)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// SIGSTOP, and returns once every thread is stopped: the signal lands asynchronously, and
    /// a thread still running could accept a connection or read a message after `kill` returns.
    func freeze() async throws {
        signal(SIGSTOP)
        let deadline = ContinuousClock.now + .seconds(10)
        let tasks = "/proc/\(pid)/task"
        while true {
            let states = try FileManager.default.contentsOfDirectory(atPath: tasks).map { thread in
                let stat = (try? String(contentsOfFile: "\(tasks)/\(thread)/stat", encoding: .utf8)) ?? ""
                // "tid (comm) STATE …": the command may hold spaces and parentheses.
                return stat[(stat.lastIndex(of: ")") ?? stat.startIndex)...].dropFirst(2).first
            }
            if states.allSatisfy({ $0 == "T" }) { return }
            guard ContinuousClock.now < deadline else { throw DaemonFailure("bindwatchd did not stop: \(states)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// SIGKILL, and waits for the process to be gone; the directory stays.
    func crash() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Context switches of every thread, by thread id, from /proc.
    func contextSwitches() throws -> [String: Int] {
        var switches: [String: Int] = [:]
        let tasks = "/proc/\(pid)/task"
        for thread in try FileManager.default.contentsOfDirectory(atPath: tasks) {
            guard let status = try? String(contentsOfFile: "\(tasks)/\(thread)/status", encoding: .utf8) else {
                continue
            }
            var total = 0
            for line in status.split(separator: "\n")
            where line.hasPrefix("voluntary_ctxt_switches") || line.hasPrefix("nonvoluntary_ctxt_switches") {
                total += Int(line.split(separator: "\t").last ?? "") ?? 0
            }
            switches[thread] = total
        }
        return switches
    }

    // MARK: Calls

    func call(
        _ method: String, more: Bool = false, _ parameters: @escaping @Sendable (inout JSONWriter) -> Void = { _ in }
    )
        async throws -> [VarlinkClient.Reply]
    {
        try await VarlinkClient.withConnection(socketPath: socketPath) { handle in
            try await handle.send(method: method, more: more, parameters: parameters)
            var replies: [VarlinkClient.Reply] = []
            for try await reply in handle.replies() {
                replies.append(reply)
                if !reply.continues { break }
            }
            return replies
        }
    }

    func status() async throws -> [String: JSONValue] {
        try await call("io.bindwatch.GetStatus").first?.parameters ?? [:]
    }

    /// Every address (`all: true`), by id.
    func addresses(all: Bool = true) async throws -> [String: JSONValue] {
        let replies = try await call("io.bindwatch.List", more: true) { json in json.field("all", all) }
        var result: [String: JSONValue] = [:]
        for reply in replies {
            guard case .array(let addresses)? = reply.parameters["addresses"] else { continue }
            for address in addresses { if case .string(let id)? = address["id"] { result[id] = address } }
        }
        return result
    }

    /// Polls until `condition` holds for the daemon's addresses, or fails after `timeout`.
    @discardableResult
    func waitForAddresses(
        timeout: Duration = .seconds(20), _ what: String, _ condition: ([String: JSONValue]) throws -> Bool
    ) async throws -> [String: JSONValue] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let addresses = try await addresses()
            if try condition(addresses) { return addresses }
            if ContinuousClock.now > deadline {
                let sample = addresses.keys.sorted().prefix(20).joined(separator: " ")
                throw DaemonFailure(
                    "timed out waiting for \(what); the daemon has \(addresses.count) addresses: \(sample) …")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

struct DaemonFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension JSONValue {
    var stringArray: [String] {
        guard case .array(let values) = self else { return [] }
        return values.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }
}
