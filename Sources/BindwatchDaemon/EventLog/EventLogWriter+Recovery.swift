import SystemPackage

extension EventLogWriter {
    struct Recovery {
        /// Bytes of a partial last line cut off (a crash in the middle of a write).
        var cutBytes = 0
        var lastSequence: UInt64 = 0
    }

    /// Lines are far shorter than this; the tail is read to find the last complete one.
    static let tailBytes = 1 << 20

    /// Opens (or creates, mode 0644 whatever the umask) the live file for appending, cuts off a
    /// partial last line, and finds the last `seq` written in the live file or the newest
    /// rotated one.
    static func openForAppending(_ configuration: EventLogConfiguration) throws -> (
        FileDescriptor, Int64, Recovery
    ) {
        let path = configuration.path
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try FileSystemCalls.makeDirectories(String(path[..<slash]))
        }
        let existed = FileSystemCalls.exists(path)
        let descriptor = try FileDescriptor.open(
            FilePath(path), .readWrite, options: [.create, .append, .closeOnExec],
            permissions: [.ownerReadWrite, .groupRead, .otherRead])
        do {
            if !existed { try FileSystemCalls.setMode(descriptor, 0o644) }
            var recovery = Recovery()
            var size = try descriptor.stat().size
            let tail = try readTail(of: descriptor, size: size)
            if let last = tail.bytes.last, last != UInt8(ascii: "\n") {
                let keep = tail.bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
                let newSize = tail.offset + Int64(keep)
                try descriptor.resize(to: newSize)
                recovery.cutBytes = Int(size - newSize)
                size = newSize
                recovery.lastSequence = lastSequence(in: tail.bytes[..<keep])
            } else {
                recovery.lastSequence = lastSequence(in: tail.bytes[...])
            }
            if recovery.lastSequence == 0, configuration.keep > 0 {
                // Just rotated: the newest rotated file holds the last seq.
                recovery.lastSequence = lastSequence(ofFile: configuration.rotatedPath(1))
            }
            return (descriptor, size, recovery)
        } catch {
            try? descriptor.close()
            throw error
        }
    }

    private static func readTail(of descriptor: FileDescriptor, size: Int64) throws -> (offset: Int64, bytes: [UInt8]) {
        let offset = max(0, size - Int64(tailBytes))
        let count = Int(size - offset)
        guard count > 0 else { return (offset, []) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = try bytes.withUnsafeMutableBytes { buffer in
            try descriptor.read(fromAbsoluteOffset: offset, into: buffer)
        }
        bytes.removeSubrange(read...)
        return (offset, bytes)
    }

    private static func lastSequence(ofFile path: String) -> UInt64 {
        guard let descriptor = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) else {
            return 0
        }
        defer { try? descriptor.close() }
        guard let size = try? descriptor.stat().size, let tail = try? readTail(of: descriptor, size: size) else {
            return 0
        }
        return lastSequence(in: tail.bytes[...])
    }

    /// The `seq` of the last line that starts `{"seq":N` (every line this writer makes does).
    static func lastSequence(in bytes: ArraySlice<UInt8>) -> UInt64 {
        let prefix = Array(#"{"seq":"#.utf8)
        var end = bytes.endIndex
        while end > bytes.startIndex {
            let lineEnd = bytes[..<end].last == UInt8(ascii: "\n") ? end - 1 : end
            let lineStart = bytes[..<lineEnd].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.startIndex
            let line = bytes[lineStart..<lineEnd]
            if line.starts(with: prefix) {
                var value: UInt64 = 0
                var sawDigit = false
                for byte in line.dropFirst(prefix.count) {
                    guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { break }
                    let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = product.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                    if overflow1 || overflow2 {
                        sawDigit = false
                        break
                    }
                    value = sum
                    sawDigit = true
                }
                if sawDigit { return value }
            }
            end = lineStart
        }
        return 0
    }
}
