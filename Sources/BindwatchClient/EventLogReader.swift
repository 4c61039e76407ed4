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
    /// Files to read, oldest first, once `descriptor` is drained: several rotations can happen
    /// between two reads, and each rotated file is complete once renamed.
    private var successors: [(descriptor: FileDescriptor, inode: UInt64)] = []

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
                let older = try? FileDescriptor.open(
                    FilePath("\(path).\(rotation)"), .readOnly, options: [.closeOnExec])
            else { break }
            defer { try? older.close() }
            guard let bytes = try? Self.readAll(older, from: 0) else { break }
            lines = Self.lines(in: bytes[...]) + lines
            rotation += 1
        }
        return Array(lines.suffix(count))
    }

    /// Complete lines appended since the last call; empty when there are none yet. When the
    /// live file has been rotated away, reads the rest of it, then every file rotated after it,
    /// then the new live file.
    public mutating func newLines() throws -> [[UInt8]] {
        while true {
            if descriptor == nil {
                guard let first = openCurrent() else { return [] }
                (descriptor, inode, offset) = (first.descriptor, first.inode, 0)
            }
            guard let descriptor else { return [] }
            let fresh = try Self.readAll(descriptor, from: offset)
            if let end = fresh.lastIndex(of: UInt8(ascii: "\n")) {
                offset += Int64(end + 1)
                return Self.lines(in: fresh[...end])
            }
            if successors.isEmpty {
                guard let replaced = try? FilePath(path).stat(), UInt64(replaced.inode.rawValue) != inode else {
                    // Same file: truncated in place (copytruncate)? Start over from its beginning.
                    if try descriptor.stat().size < offset { offset = 0 }
                    return []
                }
                successors = filesRotated(after: inode)
                if successors.isEmpty { return [] }
            }
            try? descriptor.close()
            let next = successors.removeFirst()
            (self.descriptor, inode, offset) = (next.descriptor, next.inode, 0)
        }
    }

    public func close() {
        try? descriptor?.close()
        for successor in successors { try? successor.descriptor.close() }
    }

    private func openCurrent() -> (descriptor: FileDescriptor, inode: UInt64)? {
        guard let descriptor = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) else {
            return nil
        }
        guard let status = try? descriptor.stat() else {
            try? descriptor.close()
            return nil
        }
        return (descriptor, UInt64(status.inode.rawValue))
    }

    /// The files written after the one with `oldInode`, oldest first: the rotated files newer
    /// than it (`.k-1` … `.1` when it is now `.k`), then the live file. Each is opened before
    /// the live path is checked again, so a rotation during the scan is noticed and the scan
    /// repeated. When the old file is not found (rotated off the end), all of them are newer.
    private func filesRotated(after oldInode: UInt64) -> [(descriptor: FileDescriptor, inode: UInt64)] {
        for _ in 0..<5 {
            guard let live = openCurrent() else { return [] }
            var newestFirst = [live]
            var number = 1
            while let file = try? FileDescriptor.open(
                FilePath("\(path).\(number)"), .readOnly, options: [.closeOnExec])
            {
                let fileInode = (try? file.stat()).map { UInt64($0.inode.rawValue) } ?? 0
                if fileInode == oldInode {
                    try? file.close()
                    break
                }
                newestFirst.append((file, fileInode))
                number += 1
            }
            if (try? FilePath(path).stat()).map({ UInt64($0.inode.rawValue) }) == live.inode {
                return newestFirst.reversed()
            }
            for file in newestFirst { try? file.descriptor.close() }
        }
        return []
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
