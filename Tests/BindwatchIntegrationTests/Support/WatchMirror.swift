import BindwatchClient
import BindwatchDaemon
import Foundation
import Synchronization
import Testing

/// A `Watch` client that keeps its own copy of the table from the snapshot and the events,
/// keyed by `id`, so that a test can check it equals `List` with the same filter.
final class WatchMirror: Sendable {
    let all: Bool
    private let state = Mutex<(view: [String: JSONValue], events: Int, snapshotComplete: Bool)>(([:], 0, false))

    init(all: Bool) {
        self.all = all
    }

    var view: [String: JSONValue] { state.withLock { $0.view } }
    var events: Int { state.withLock { $0.events } }

    /// Reads until the connection ends or the task is cancelled.
    func run(socketPath: String) async throws {
        try await VarlinkClient.withConnection(socketPath: socketPath) { handle in
            try await handle.send(method: "io.bindwatch.Watch", more: true) { $0.field("all", self.all) }
            for try await reply in handle.replies() {
                state.withLock { state in
                    if case .array(let addresses)? = reply.parameters["addresses"] {
                        for address in addresses { state.view[address["id"]?.text ?? ""] = address }
                    }
                    if reply.parameters["snapshotComplete"] == .bool(true) { state.snapshotComplete = true }
                    if let event = reply.parameters["event"] {
                        state.events += 1
                        let id = event["address"]?["id"]?.text ?? ""
                        if event["type"]?.text == "removed" {
                            state.view[id] = nil
                        } else {
                            state.view[id] = event["address"]
                        }
                    }
                }
                if Task.isCancelled { return }
            }
        }
    }

    func waitForSnapshot(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !state.withLock({ $0.snapshotComplete }) {
            if ContinuousClock.now > deadline { throw DaemonFailure("no Watch snapshot within \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until the mirror holds the same ids, flags and verdicts as `List` with the same
    /// filter, asked after the mirror has caught up; records an issue naming the differences
    /// if it never does.
    func expectConverges(to daemon: RunningDaemon, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        var listed: [String: JSONValue] = [:]
        while true {
            listed = try await daemon.addresses(all: all)
            if Self.summary(view) == Self.summary(listed) { return }
            if ContinuousClock.now > deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let mirrored = Self.summary(view)
        let expected = Self.summary(listed)
        let missing = Set(expected.keys).subtracting(mirrored.keys).sorted().prefix(5)
        let extra = Set(mirrored.keys).subtracting(expected.keys).sorted().prefix(5)
        let differing = expected.keys.filter { mirrored[$0] != nil && mirrored[$0] != expected[$0] }.sorted().prefix(5)
        Issue.record(
            "Watch(all: \(all)) snapshot + \(events) events != List: \(expected.count) listed, \(mirrored.count) mirrored; missing \(missing), extra \(extra), differing \(differing)"
        )
    }

    /// What must agree: the interface, flags and verdict of each id.
    private static func summary(_ addresses: [String: JSONValue]) -> [String: String] {
        addresses.mapValues { address in
            "\(address["interface"]?.text ?? "") \(address["flags"]?.text ?? "") \(address["reasons"]?.text ?? "")"
        }
    }
}

/// Runs `body` with Watch mirrors (one per entry of `all`) connected and past their snapshots;
/// they are cancelled however `body` ends.
func withWatchMirrors(
    _ daemon: RunningDaemon, all: [Bool] = [true, false], _ body: ([WatchMirror]) async throws -> Void
) async throws {
    let mirrors = all.map { WatchMirror(all: $0) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for mirror in mirrors {
            group.addTask { try await mirror.run(socketPath: daemon.socketPath) }
        }
        do {
            for mirror in mirrors { try await mirror.waitForSnapshot() }
            try await body(mirrors)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}
