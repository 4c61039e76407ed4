import BindwatchModel
import Logging
import SystemPackage

/// Appends JSON lines to the event log: one `write` per batch, size rotation, and no torn line
/// whatever happens. A failing disk never stops the daemon: lines that cannot be written are
/// counted and the writer tries again with the next batch.
///
/// Owned by the `LiveTable` actor, which calls it synchronously: a buffered write to a local
/// file costs microseconds, and a single owner keeps `seq` and the file in step.
final class EventLogWriter {
    private(set) var configuration: EventLogConfiguration
    /// The last `seq` given out; recovered from the log at start so that it never repeats.
    private(set) var lastSequence: UInt64 = 0
    /// Lines that could not be written since start.
    private(set) var linesDropped = 0

    private var descriptor: FileDescriptor?
    /// Bytes in the live file, as far as this writer knows.
    private var size: Int64 = 0
    private var pending: [UInt8] = []
    private var pendingLines = 0
    /// Set while writes fail; the warning is logged once per episode, not once per line.
    private var failure: Errno?
    private var droppedInFailure = 0
    private var lastOpenAttempt: MonotonicInstant?
    /// A file that cannot be opened is tried again at most this often (with the next batch).
    private let reopenNanoseconds: UInt64
    private let logger: Logger

    /// A batch is written when it reaches this size even if more lines follow (a policy change
    /// can touch every address).
    static let flushThreshold = 256 * 1024

    init(configuration: EventLogConfiguration, reopenInterval: Duration = .seconds(1), logger: Logger) {
        self.configuration = configuration
        let (seconds, attoseconds) = reopenInterval.components
        self.reopenNanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        var logger = logger
        logger[metadataKey: "eventLog"] = "\(configuration.path)"
        self.logger = logger
        openLiveFile()
    }

    deinit {
        try? descriptor?.close()
    }

    func nextSequence() -> UInt64 {
        lastSequence += 1
        return lastSequence
    }

    /// Queues one line (without its newline); `flush` writes it.
    func append(_ line: [UInt8]) {
        appendLine { $0.append(contentsOf: line) }
    }

    /// Queues the line that `write` appends (without its newline) to the batch, in place: a
    /// line per change, with no array of its own.
    func appendLine(_ write: (inout [UInt8]) -> Void) {
        let start = pending.count
        write(&pending)
        if configuration.maxBytes > 0 {
            let queued = size + Int64(start)
            if queued > 0 && queued + Int64(pending.count - start) + 1 > Int64(configuration.maxBytes) {
                // The lines before it fill the live file; the line starts the next one.
                let line = Array(pending[start...])
                pending.removeSubrange(start...)
                flush()
                rotate()
                pending.append(contentsOf: line)
            }
        }
        pending.append(UInt8(ascii: "\n"))
        pendingLines += 1
        if pending.count >= Self.flushThreshold { flush() }
    }

    /// Writes the queued lines. Whatever part of the batch the file took is kept up to its
    /// last complete line; the rest is cut off and counted as dropped.
    func flush() {
        guard pendingLines > 0 else { return }
        defer {
            pending.removeAll(keepingCapacity: pending.count <= Self.flushThreshold)
            pendingLines = 0
        }
        guard let descriptor = openIfDue() else {
            drop(pendingLines, because: failure ?? .noSuchFileOrDirectory)
            return
        }
        var written = 0
        do {
            try pending.withUnsafeBytes { bytes in
                while written < bytes.count {
                    written += try descriptor.write(UnsafeRawBufferPointer(rebasing: bytes[written...]))
                }
            }
            size += Int64(written)
            recovered()
        } catch {
            let kept = pending[..<written].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            var inFile = kept
            if kept < written {
                // A partial line reached the file: cut it, so that every line parses.
                do {
                    try descriptor.resize(to: size + Int64(kept))
                } catch {
                    inFile = written
                    logger.warning(
                        "Could not cut a partial line from the event log",
                        metadata: ["error": "\(error)", "bytes": "\(written - kept)"])
                }
            }
            size += Int64(inFile)
            let keptLines = pending[..<kept].count(where: { $0 == UInt8(ascii: "\n") })
            drop(pendingLines - keptLines, because: error)
        }
    }

    /// Closes and reopens the live file (SIGHUP: logrotate moved it away), with a new
    /// configuration if it changed.
    func reopen(with configuration: EventLogConfiguration) {
        flush()
        try? descriptor?.close()
        descriptor = nil
        self.configuration = configuration
        lastOpenAttempt = nil
        openLiveFile()
    }

    func close() {
        flush()
        try? descriptor?.close()
        descriptor = nil
    }

    // MARK: Opening and rotating

    private func openIfDue() -> FileDescriptor? {
        if let descriptor { return descriptor }
        if let lastOpenAttempt, MonotonicInstant.now().nanoseconds - lastOpenAttempt.nanoseconds < reopenNanoseconds {
            return nil
        }
        openLiveFile()
        return descriptor
    }

    private func openLiveFile() {
        lastOpenAttempt = MonotonicInstant.now()
        do {
            let (descriptor, size, recovery) = try Self.openForAppending(configuration)
            self.descriptor = descriptor
            self.size = size
            if recovery.cutBytes > 0 {
                logger.warning(
                    "Cut a partial last line off the event log", metadata: ["bytes": "\(recovery.cutBytes)"])
            }
            lastSequence = max(lastSequence, recovery.lastSequence)
            recovered()
        } catch {
            descriptor = nil
            noteFailure(error)
        }
    }

    /// Renames `events.jsonl.N` to `.N+1` (the oldest falls off), the live file to `.1`, and
    /// starts a new live file.
    private func rotate() {
        try? descriptor?.close()
        descriptor = nil
        do {
            for number in stride(from: configuration.keep - 1, through: 0, by: -1) {
                try FileSystemCalls.renameIfPresent(
                    configuration.rotatedPath(number), to: configuration.rotatedPath(number + 1))
            }
        } catch {
            logger.warning("Could not rotate the event log", metadata: ["error": "\(error)"])
        }
        openLiveFile()
    }

    // MARK: Failures

    private func drop(_ lines: Int, because error: any Error) {
        guard lines > 0 else { return }
        linesDropped += lines
        droppedInFailure += lines
        noteFailure(error)
    }

    private func noteFailure(_ error: any Error) {
        guard failure == nil else { return }
        failure = (error as? Errno) ?? .ioError
        logger.warning(
            "Cannot write the event log; counting the lines it misses until it works again",
            metadata: ["error": "\(error)"])
    }

    private func recovered() {
        guard failure != nil else { return }
        failure = nil
        logger.notice("The event log is writable again", metadata: ["linesDropped": "\(droppedInFailure)"])
        droppedInFailure = 0
    }
}
