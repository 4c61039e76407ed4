import CBindwatchSystem
import Glibc
import SystemPackage

/// Keeps one file of node_exporter's textfile directory current: each write goes to a hidden
/// temporary file beside it (the collector reads only `*.prom`), then replaces it by rename,
/// so a scrape sees the old content or the new, never a part.
public struct TextfileWriter: Sendable {
    public let path: String
    /// The content last written, to skip writes that would change nothing.
    private var written: String?

    public init(path: String) {
        self.path = path
    }

    /// Writes `content` unless the file already has it. Returns whether it wrote.
    @discardableResult
    public mutating func update(_ content: String) throws -> Bool {
        guard content != written else { return false }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(directory.isEmpty ? "/" : directory)/.\(name).\(getpid()).tmp"
        do {
            let file = try FileDescriptor.open(
                FilePath(temporary), .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
            _ = try file.closeAfter { try file.writeAll(content.utf8) }
            try Self.rename(temporary, to: path)
        } catch {
            _ = unlink(temporary)
            throw error
        }
        written = content
        return true
    }

    private static func rename(_ from: String, to: String) throws(Errno) {
        let result = bw_rename(from, to)
        if result < 0 { throw Errno(rawValue: -result) }
    }
}
