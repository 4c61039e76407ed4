import BindwatchClient
import Foundation
import Testing

/// bindwatch-dispatch on a daemon's socket, with scripts the test writes: each recording
/// script leaves one file per run in `runs`, holding its argv[1], its BINDWATCH_ variables
/// and its stdin.
final class RunningDispatcher {
    /// One run of a recording script.
    struct Run {
        var argument: String
        var variables: [String: String]
        var input: [String: JSONValue]

        var action: String { variables["BINDWATCH_ACTION"] ?? "" }
        func list(_ name: String) -> [String] {
            (variables[name] ?? "").split(separator: " ").map(String.init)
        }
        func ids(_ field: String) -> [String] {
            guard case .array(let addresses)? = input[field] else { return [] }
            return addresses.compactMap { $0["id"]?.text }
        }
    }

    let directory: String
    /// The dispatch directories, in override order.
    let scripts: [String]
    let runs: String
    private let process: Process
    private let logPath: String

    private init(directory: String, scripts: [String], runs: String, process: Process, logPath: String) {
        self.directory = directory
        self.scripts = scripts
        self.runs = runs
        self.process = process
        self.logPath = logPath
    }

    /// A temporary directory with `scripts/`, `runs/` and `dispatch.log`; the dispatcher is
    /// started by `start` and everything is removed by `stop`, which `with` always calls.
    static func with<Result>(
        socketPath: String, directories: Int = 1, timeout: Double = 30,
        setUp: (RunningDispatcher.Paths) throws -> Void, _ body: (RunningDispatcher) async throws -> Result
    ) async throws -> Result {
        let directory = try Command.run(["mktemp", "-d", "/tmp/bindwatch-dispatch.XXXXXX"]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let paths = Paths(root: directory, directories: (0..<directories).map { "\(directory)/scripts\($0)" })
        for path in paths.directories + [paths.runs] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        try Command.run(["chmod", "0755", directory])
        do {
            try setUp(paths)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        let logPath = "\(directory)/dispatch.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: IntegrationEnvironment.dispatchPath)
        process.arguments =
            ["--socket", socketPath, "--timeout", String(timeout)]
            + paths.directories.flatMap { ["--directory", $0] }
        process.environment = ProcessInfo.processInfo.environment.merging(["BINDWATCH_TEST_MARK": "inherited"]) { $1 }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let dispatcher = RunningDispatcher(
            directory: directory, scripts: paths.directories, runs: paths.runs, process: process, logPath: logPath)
        defer { dispatcher.stop() }
        do {
            return try await body(dispatcher)
        } catch {
            Issue.record("dispatcher log:\n\(dispatcher.log.suffix(4000))")
            throw error
        }
    }

    struct Paths {
        var root: String
        var directories: [String]
        var runs: String { "\(root)/runs" }

        /// A script that records each run as one file in `runs` (named by its order and `tag`).
        func recordingScript(_ name: String, in index: Int = 0, tag: String = "", seconds: Double = 0) throws {
            try script(
                name, in: index,
                """
                #!/bin/sh
                n=$(ls '\(runs)' | wc -l)
                f='\(runs)'/$(printf %06d "$n")\(tag.isEmpty ? "" : "-\(tag)")
                { printf 'ARGV1=%s\\n' "$1"; env | grep -E '^(BINDWATCH_|PATH=)' | sort; printf 'STDIN='; cat; } > "$f.tmp"
                sleep \(seconds)
                mv "$f.tmp" "$f.run"
                """)
        }

        /// A script with `body`, mode 0755 unless `mode` says otherwise.
        func script(_ name: String, in index: Int = 0, mode: String = "0755", _ body: String) throws {
            let path = "\(directories[index])/\(name)"
            try (body + "\n").write(toFile: path, atomically: false, encoding: .utf8)
            try Command.run(["chmod", mode, path])
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    /// The recorded runs, in order.
    func recordedRuns() throws -> [Run] {
        let names = try FileManager.default.contentsOfDirectory(atPath: runs).filter { $0.hasSuffix(".run") }.sorted()
        return try names.map { name in
            let text = try String(contentsOfFile: "\(runs)/\(name)", encoding: .utf8)
            var variables: [String: String] = [:]
            var argument = ""
            var input: [String: JSONValue] = [:]
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("ARGV1=") {
                    argument = String(line.dropFirst(6))
                } else if line.hasPrefix("STDIN=") {
                    guard case .object(let object) = try JSONParser.parse(Array(line.dropFirst(6).utf8)) else {
                        throw DaemonFailure("stdin of \(name) is not a JSON object")
                    }
                    input = object
                } else if let equals = line.firstIndex(of: "=") {
                    variables[String(line[..<equals])] = String(line[line.index(after: equals)...])
                }
            }
            return Run(argument: argument, variables: variables, input: input)
        }
    }

    /// Waits until `condition` holds for the recorded runs.
    @discardableResult
    func waitForRuns(
        _ what: String, timeout: Duration = .seconds(30), _ condition: ([Run]) throws -> Bool
    ) async throws -> [Run] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let runs = try recordedRuns()
            if try condition(runs) { return runs }
            if ContinuousClock.now > deadline {
                throw DaemonFailure("timed out waiting for \(what); \(runs.count) runs: \(runs.map(\.variables))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// SIGTERM, then SIGKILL; removes the directory.
    func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
