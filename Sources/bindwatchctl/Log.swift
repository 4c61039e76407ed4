import ArgumentParser
import BindwatchClient
import BindwatchCommandLine

struct Log: EventLoopCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the daemon's event log; with -f, keep printing new events.",
        discussion: """
            Without --file, asks bindwatchd where its log is. Follows the log across rotations, \
            like tail -F and journalctl -f.
            """)

    @ParentCommand var root: Bindwatchctl

    @Option(name: [.customShort("n"), .customLong("lines")], help: "How many of the last events to print.")
    var lines = 10

    @Flag(name: .shortAndLong, help: "Keep printing events as they are logged.")
    var follow = false

    @Flag(help: "Print the log's JSON lines as they are.")
    var json = false

    @Option(help: "Read this log file instead of asking the daemon.")
    var file: String?

    func validate() throws {
        if lines < 0 { throw ValidationError("-n takes a count of 0 or more") }
    }

    func runOnEventLoop() async throws {
        let path = try await logPath()
        var reader = EventLogReader(path: path)
        defer { reader.close() }
        do {
            emit(try reader.lastLines(lines))
            while follow {
                let fresh = try reader.newLines()
                if fresh.isEmpty {
                    try await sleepOnEventLoop(for: .milliseconds(100))
                } else {
                    emit(fresh)
                }
            }
        } catch let failure as EventLogReader.Failure {
            throw CommandFailure(failure.description)
        }
    }

    private func logPath() async throws -> String {
        if let file { return file }
        let status = try await root.connection.withConnection { handle in
            try await handle.send(method: "io.bindwatch.GetStatus")
            for try await reply in handle.replies() { return reply.parameters }
            throw CommandFailure("bindwatchd closed the connection without an answer")
        }
        guard case .string(let path)? = status["eventLog"] else {
            throw CommandFailure("bindwatchd writes no event log (it runs with --no-event-log)")
        }
        return path
    }

    private func emit(_ lines: [[UInt8]]) {
        guard !lines.isEmpty else { return }
        var output = ""
        for line in lines {
            output += json ? String(decoding: line, as: UTF8.self) : EventLogFormatter.line(line)
            output += "\n"
        }
        // Written at once and unbuffered, so that `log -f | grep` sees each event promptly.
        StandardStream.writeOutput(output)
    }
}
