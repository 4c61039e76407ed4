import SystemPackage

/// Reads the event log as `tail -F` does: the last lines across the rotated set, then every line
/// appended later, following the live file across rotation (a new inode at the path) and
/// truncation (logrotate's copytruncate). Only complete lines are returned: a line being written
/// appears once its newline does.
public struct EventLogReader {
    public enum Failure: Error, CustomStringConvertible {
        case cannotOpen(path: String, Errno)

        public var description: String {
            switch self {
            case .cannotOpen(let path, let errno): "cannot open \(path): \(errno)"
            }
        }
    }

    public let path: String
    private var descriptor: FileDescriptor?
    private var inode: UInt64 = 0
    private var offset: Int64 = 0

    public init(path: String) {
        self.path = path
    }

    /// The last `count` complete lines, oldest first: from the live file, then `.1`, `.2` …
    /// Following starts after them.
    public mutating func lastLines(_ count: Int) throws -> [[UInt8]] {
        let live: [UInt8]
        do {
            let descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
            self.descriptor = descriptor
            inode = UInt64(try descriptor.stat().inode.rawValue)
            live = try Self.readAll(descriptor, from: 0)
        } catch let errno as Errno {
            throw Failure.cannotOpen(path: path, errno)
        }
        let complete = live[..<(live.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0)]
        offset = Int64(complete.count)
        guard count > 0 else { return [] }
        var lines = Self.lines(in: complete)
        var rotation = 1
        while lines.count < count {
            guard
                let older = try? FileDescriptor.open(FilePath("\(path).\(rotation)"), .readOnly, options: [.closeOnExec])
            else { break }
            defer { try? older.close() }
            guard let bytes = try? Self.readAll(older, from: 0) else { break }
            lines = Self.lines(in: bytes[...]) + lines
            rotation += 1
        }
        return Array(lines.suffix(count))
    }

    /// Complete lines appended since the last call; empty when there are none yet. Switches to
    /// a new live file once the old one is drained.
    public mutating func newLines() throws -> [[UInt8]] {
        if descriptor == nil { try reopenIfReplaced() }
        guard let descriptor else { return [] }
        let fresh = try Self.readAll(descriptor, from: offset)
        if let end = fresh.lastIndex(of: UInt8(ascii: "\n")) {
            offset += Int64(end + 1)
            return Self.lines(in: fresh[...end])
        }
        // Nothing new here: has the file been rotated away or truncated?
        let size = try descriptor.stat().size
        if size < offset { offset = 0 }
        try reopenIfReplaced()
        return []
    }

    public func close() {
        try? descriptor?.close()
    }

    private mutating func reopenIfReplaced() throws {
        guard let current = try? FilePath(path).stat() else { return }  // between rename and create
        let currentInode = UInt64(current.inode.rawValue)
        if descriptor != nil && currentInode == inode { return }
        try? descriptor?.close()
        descriptor = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        inode = currentInode
        offset = 0
    }

    private static func readAll(_ descriptor: FileDescriptor, from start: Int64) throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var position = start
        while true {
            let read = try chunk.withUnsafeMutableBytes { try descriptor.read(fromAbsoluteOffset: position, into: $0) }
            if read == 0 { return result }
            result.append(contentsOf: chunk[..<read])
            position += Int64(read)
        }
    }

    private static func lines(in bytes: ArraySlice<UInt8>) -> [[UInt8]] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map(Array.init)
    }
}
