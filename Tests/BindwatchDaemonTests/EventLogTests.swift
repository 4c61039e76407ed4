import Foundation
import JournalLogging
import Logging
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("Event log", .timeLimit(.minutes(1)))
struct EventLogTests {
    /// A fresh directory, removed after `body`.
    private func withDirectory(_ body: (String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bindwatch-log-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(path)
    }

    private func lines(_ path: String) throws -> [[String: JSONValue]] {
        let data = try #require(FileManager.default.contents(atPath: path))
        #expect(data.last == UInt8(ascii: "\n"), "the file ends with a complete line")
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            guard case .object(let object) = try JSONParser.parse(Array(line)) else {
                throw DecodingFailure(line: String(decoding: line, as: UTF8.self))
            }
            return object
        }
    }

    private struct DecodingFailure: Error { var line: String }

    private func sequences(_ lines: [[String: JSONValue]]) -> [Int] {
        lines.compactMap { if case .number(let value)? = $0["seq"] { Int(value) } else { nil } }
    }

    // Expected values from Python's datetime.fromtimestamp(seconds, timezone.utc).
    @Test(
        "timestamps are RFC 3339 in UTC with microseconds, zero-padded",
        arguments: [
            (0, 0, "1970-01-01T00:00:00.000000Z"),
            (951_782_400, 5, "2000-02-29T00:00:00.000005Z"),
            (1_798_761_599, 999_999, "2026-12-31T23:59:59.999999Z"),
            (4_102_444_800, 123_456, "2100-01-01T00:00:00.123456Z"),
            (1_764_590_479, 120_000, "2025-12-01T12:01:19.120000Z"),
        ])
    func timestamps(seconds: Int, microseconds: Int, expected: String) {
        #expect(WallClockTimestamp.format(seconds: seconds, microseconds: microseconds) == expected)
    }

    @Test("a DAD success is logged as added, then changed with bindable [false, true]")
    func addressEvents() async throws {
        try await withDirectory { directory in
            let path = "\(directory)/events.jsonl"
            let table = LiveTable(eventLog: EventLogConfiguration(path: path), logger: Logger(label: "test"))
            // Before readiness the initial dump is state, not events: only counted in `started`.
            _ = await table.apply(try RecordedMessages("dump-links").payloads)
            await table.markReady()
            let links = await table.status().links
            _ = await table.apply(try RecordedMessages("ipv6-manual-dad-success").payloads)
            await table.stop()

            let logged = try lines(path)
            #expect(logged.map { $0["type"]?.text } == ["started", "added", "changed", "stopping"])
            #expect(sequences(logged) == [1, 2, 3, 4])
            #expect(logged[0]["counts"]?["links"]?.text == "\(links)")
            #expect(logged[1]["id"]?.text == "2/2001:db8:10::1")
            #expect(logged[1]["interface"]?.text == "veth0")
            #expect(logged[1]["address"]?["reasons"] == .array([.string("tentative")]))
            #expect(logged[2]["changes"]?["bindable"] == .array([.bool(false), .bool(true)]))
            #expect(logged[2]["changes"]?["reasons"] == .array([.array([.string("tentative")]), .array([])]))
            #expect(logged[2]["address"]?["bindable"] == .bool(true))
            #expect(logged[3]["counts"]?["bindable"]?.text == "1")
            for line in logged {
                let time = try #require(line["time"]?.text)
                #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil, "\(time)")
            }
        }
    }

    @Test("a partial last line (a crash mid-write) is cut off at start, and seq goes on from the last line")
    func crashRecovery() async throws {
        try await withDirectory { directory in
            let path = "\(directory)/events.jsonl"
            let complete =
                #"{"seq":41,"time":"t","type":"started"}"# + "\n" + #"{"seq":42,"time":"t","type":"stopping"}"# + "\n"
            try Data((complete + #"{"seq":43,"time":"2026-"#).utf8).write(to: URL(fileURLWithPath: path))
            let writer = EventLogWriter(configuration: .init(path: path), logger: Logger(label: "test"))
            #expect(
                String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self) == complete)
            #expect(writer.nextSequence() == 43)
            writer.close()
        }
    }

    /// A batch of lines (the daemon writes one per batch of kernel messages) may fill the live
    /// file midway: the lines before go to it, the rest start the next one.
    @Test(
        "rotation keeps `keep` files, each under maxBytes, and loses or repeats no seq",
        arguments: [1, 10])
    func rotation(linesPerBatch: Int) async throws {
        try await withDirectory { directory in
            let path = "\(directory)/events.jsonl"
            let configuration = EventLogConfiguration(path: path, maxBytes: 4096, keep: 3)
            let writer = EventLogWriter(configuration: configuration, logger: Logger(label: "test"))
            for _ in 0..<500 {
                let line = #"{"seq":\#(writer.nextSequence()),"padding":"\#(String(repeating: "x", count: 60))"}"#
                writer.append(Array(line.utf8))
                if writer.lastSequence % UInt64(linesPerBatch) == 0 { writer.flush() }
            }
            writer.close()
            #expect(!FileManager.default.fileExists(atPath: "\(path).4"))
            var all: [Int] = []
            for number in [3, 2, 1, 0] {
                let file = configuration.rotatedPath(number)
                let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
                #expect(size <= 4096)
                all += sequences(try lines(file))
            }
            #expect(all == Array((500 - all.count + 1)...500), "consecutive, ending at the last line written")
            #expect(all.count > 150)

            // A restart right after a rotation finds the last seq in `.1`.
            try FileManager.default.removeItem(atPath: configuration.rotatedPath(3))
            for number in [2, 1, 0] {
                try FileManager.default.moveItem(
                    atPath: configuration.rotatedPath(number), toPath: configuration.rotatedPath(number + 1))
            }
            try Data().write(to: URL(fileURLWithPath: path))
            let restarted = EventLogWriter(configuration: configuration, logger: Logger(label: "test"))
            #expect(restarted.nextSequence() == 501)
            restarted.close()
        }
    }

    @Test("an unwritable log counts dropped lines, then resumes when it can be opened")
    func unwritableThenResumes() async throws {
        try await withDirectory { directory in
            // A regular file where the log's directory should be: mkdir fails with ENOTDIR.
            let blocker = "\(directory)/logs"
            try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
            let path = "\(blocker)/events.jsonl"
            let writer = EventLogWriter(
                configuration: .init(path: path), reopenInterval: .zero, logger: Logger(label: "test"))
            for _ in 0..<3 {
                writer.append(Array(#"{"seq":\#(writer.nextSequence())}"#.utf8))
            }
            writer.flush()
            #expect(writer.linesDropped == 3)

            try FileManager.default.removeItem(atPath: blocker)
            writer.append(Array(#"{"seq":\#(writer.nextSequence())}"#.utf8))
            writer.flush()
            writer.close()
            #expect(writer.linesDropped == 3)
            // The gap in seq shows the loss to a reader.
            #expect(sequences(try lines(path)) == [4])
        }
    }

    static let tails: [(String, UInt64)] = [
        ("{\"seq\":7}\n", 7),
        ("{\"seq\":7}\ngarbage\n", 7),
        ("{\"seq\":7}\n{\"seq\":8}", 8),
        ("\n\n", 0),
        ("{\"seq\":5}\n{\"seq\":99999999999999999999999}\nno", 5),
        ("", 0),
    ]

    @Test("the last seq is found past foreign and partial lines", arguments: tails)
    func lastSequence(text: String, expected: UInt64) {
        #expect(EventLogWriter.lastSequence(in: Array(text.utf8)[...]) == expected)
    }

    @Test("a policy reload logs the verdicts it changed, then config-reloaded")
    func reload() async throws {
        try await withDirectory { directory in
            let path = "\(directory)/events.jsonl"
            let table = LiveTable(eventLog: EventLogConfiguration(path: path), logger: Logger(label: "test"))
            _ = await table.apply(try RecordedMessages("dump-links").payloads)
            _ = await table.apply(try RecordedMessages("ipv6-deprecated").payloads)
            await table.markReady()
            var policy = BindPolicy()
            policy.allowDeprecated = true
            let changes = await table.reload(policy: policy, eventLog: EventLogConfiguration(path: path))
            await table.stop()
            let logged = try lines(path)
            #expect(logged.map { $0["type"]?.text } == ["started", "changed", "config-reloaded", "stopping"])
            #expect(changes == 1)
            #expect(logged[1]["changes"]?["bindable"] == .array([.bool(false), .bool(true)]))
            #expect(logged[2]["addressEvents"]?.text == "1")
        }
    }
}
