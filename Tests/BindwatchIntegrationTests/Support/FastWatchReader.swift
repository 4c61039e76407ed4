import BindwatchClient
import BindwatchDaemon
import Foundation
import Glibc

/// scripts/watch-mirror.py in its own process: a Watch client fast enough to keep up with a
/// release-built daemon, which reports its copy of the table once it sees a marker address.
final class FastWatchReader: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test task that owns this value.
    let all: Bool
    private let process = Process()
    private let output: String
    private let errors: String

    init(socketPath: String, all: Bool, until marker: String) throws {
        self.all = all
        let directory = URL(fileURLWithPath: socketPath).deletingLastPathComponent().path
        let name = "watch-mirror-\(all ? "all" : "bindable")-\(UUID().uuidString.prefix(8))"
        output = "\(directory)/\(name).out"
        errors = "\(directory)/\(name).err"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [IntegrationEnvironment.python, Command.script("watch-mirror.py"), socketPath, "--until", marker]
            + (all ? ["--all"] : [])
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        try process.run()
    }

    func waitUntilReady(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").contains("ready") {
            if !process.isRunning || ContinuousClock.now > deadline {
                throw DaemonFailure(
                    "watch-mirror.py did not get its snapshot: \(try String(contentsOfFile: errors, encoding: .utf8))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func result(timeout: Duration) async throws -> (events: Int, view: [String: JSONValue]) {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { throw DaemonFailure("watch-mirror.py never saw the marker") }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = try String(contentsOfFile: output, encoding: .utf8)
        let result = try JSONParser.parse(Array(text.utf8))
        guard case .object(let view)? = result["view"], case .number(let events)? = result["events"] else {
            throw DaemonFailure(
                "watch-mirror.py: \(text.prefix(500)) \(try String(contentsOfFile: errors, encoding: .utf8))")
        }
        return (Int(events), view)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
