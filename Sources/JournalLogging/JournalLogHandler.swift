import Glibc
import Logging
import SystemPackage

/// Diagnostics on stderr, one line per message. Under systemd (stderr connected to the
/// journal, as `$JOURNAL_STREAM` says) each line starts with its syslog priority (`<6>`),
/// which journald reads as the entry's priority; elsewhere lines carry a timestamp.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let toJournal: Bool

    public init(label: String, environment: [String: String]) {
        self.label = label
        toJournal = Self.stderrIsJournal(environment)
    }

    /// `$JOURNAL_STREAM` is `device:inode` of the journal stream; it counts only when stderr
    /// is that stream (a child may have redirected it).
    package static func stderrIsJournal(_ environment: [String: String]) -> Bool {
        guard let stream = environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(2, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// syslog priorities (sd-daemon.h's SD_* prefixes).
    package static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = ""
        if toJournal {
            line = "<\(Self.priority(event.level))>"
        } else {
            line = "\(WallClockTimestamp.now()) \(event.level) "
        }
        line += "\(event.message)"
        for key in merged.keys.sorted() { line += " \(key)=\(merged[key]!)" }
        line += "\n"
        // One write per line, so that lines from two threads never interleave.
        _ = try? FileDescriptor.standardError.writeAll(line.utf8)
    }
}
