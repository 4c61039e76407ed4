import BindwatchClient
import BindwatchDaemon
import Foundation
import Testing

/// The lines of an event log file, each parsed; a line that does not parse (torn, or not
/// JSON) is an error naming it.
struct EventLogLines {
    struct Torn: Error, CustomStringConvertible {
        var description: String
    }

    var events: [[String: JSONValue]]

    /// `cuttingPartialLine`: for a log the daemon may be writing to (see below).
    init(file path: String, cuttingPartialLine: Bool = false) throws {
        try self.init(
            data: FileManager.default.contents(atPath: path) ?? Data(), name: path,
            cuttingPartialLine: cuttingPartialLine)
    }

    /// `cuttingPartialLine`: ignore a last line without its newline (one being written: a
    /// reader can see part of a `write()` that is still copying a batch into the file).
    init(data: Data, name path: String = "log", cuttingPartialLine: Bool = false) throws {
        var data = data
        if cuttingPartialLine, let end = data.lastIndex(of: UInt8(ascii: "\n")) {
            data = data[...end]
        } else if cuttingPartialLine {
            data = Data()
        }
        if let last = data.last, last != UInt8(ascii: "\n") {
            throw Torn(description: "\(path) ends inside a line")
        }
        events = try data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            .enumerated().map { number, line in
                guard case .object(let event)? = try? JSONParser.parse(Array(line)) else {
                    throw Torn(
                        description:
                            "\(path) line \(number + 1) does not parse: \(String(decoding: line.prefix(200), as: UTF8.self))"
                    )
                }
                return event
            }
    }

    /// The live file and its rotated files, oldest first. `cuttingPartialLine` applies to the
    /// live file only: a rotated one is complete.
    init(rotatedSet path: String, cuttingPartialLine: Bool = false) throws {
        var files = [path]
        var number = 1
        while FileManager.default.fileExists(atPath: "\(path).\(number)") {
            files.insert("\(path).\(number)", at: 0)
            number += 1
        }
        events = try files.flatMap {
            try EventLogLines(file: $0, cuttingPartialLine: cuttingPartialLine && $0 == path).events
        }
    }

    var sequences: [Int] {
        events.map { if case .number(let value)? = $0["seq"] { Int(value) } else { -1 } }
    }

    /// (type, id) of the address events whose id contains `fragment`, in order.
    func addressEvents(matching fragment: String) -> [String] {
        events.compactMap { event in
            guard let id = event["id"]?.text, id.contains(fragment) else { return nil }
            return "\(event["type"]?.text ?? "?") \(id)"
        }
    }
}

extension Array where Element == Int {
    var isStrictlyIncreasing: Bool { zip(self, dropFirst()).allSatisfy { $0 < $1 } }
    var isConsecutive: Bool { zip(self, dropFirst()).allSatisfy { $0 + 1 == $1 } }
}
