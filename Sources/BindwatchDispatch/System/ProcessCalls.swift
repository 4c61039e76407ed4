import CBindwatchSystem
import Glibc
import SystemPackage

/// The dispatcher's system calls: the C side returns negative errno values, which become
/// `Errno` here and nowhere else.
enum ProcessCalls {
    /// How a child ended.
    enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        init(waitStatus status: Int32) {
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (macros).
            if status & 0x7f == 0 {
                self = .exited((status >> 8) & 0xff)
            } else {
                self = .signalled(status & 0x7f)
            }
        }

        var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    static func spawn(path: String, arguments: [String], environment: [String], standardInput: Int32) throws(Errno)
        -> Int32
    {
        var pid: Int32 = 0
        let result = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in bw_spawn(path, argv, envp, standardInput, &pid) }
        }
        if result < 0 { throw Errno(rawValue: -result) }
        return pid
    }

    /// nil when `timeoutMilliseconds` passed first. Blocks the calling thread.
    static func waitForExit(pid: Int32, timeoutMilliseconds: Int32) throws(Errno) -> Termination? {
        var status: Int32 = 0
        let result = bw_wait_child(pid, timeoutMilliseconds, &status)
        if result < 0 { throw Errno(rawValue: -result) }
        return result == 1 ? Termination(waitStatus: status) : nil
    }

    /// Signals the child's process group; a group already gone is not an error.
    static func signalGroup(pid: Int32, _ signal: Int32) {
        _ = bw_signal_group(pid, signal)
    }

    static func memoryFile(name: String, contents: [UInt8]) throws(Errno) -> FileDescriptor {
        var fd: Int32 = -1
        let result = contents.withUnsafeBytes { bw_memory_file(name, $0.baseAddress, $0.count, &fd) }
        if result < 0 { throw Errno(rawValue: -result) }
        return FileDescriptor(rawValue: fd)
    }

    struct FileStatus {
        var mode: UInt32
        var owner: UInt32
        var isNullDevice: Bool
    }

    static func status(of path: String) throws(Errno) -> FileStatus {
        var status = bw_file_status()
        let result = bw_stat(path, &status)
        if result < 0 { throw Errno(rawValue: -result) }
        return FileStatus(mode: status.mode, owner: status.uid, isNullDevice: status.is_null_device != 0)
    }

    /// The names in a directory, unsorted.
    static func directoryEntries(_ path: String) throws(Errno) -> [String] {
        var capacity = 4096
        while true {
            var length = 0
            var buffer = [CChar](repeating: 0, count: capacity)
            let result = bw_list_directory(path, &buffer, capacity, &length)
            if result == -ERANGE {
                capacity = length
                continue
            }
            if result < 0 { throw Errno(rawValue: -result) }
            return buffer[..<length].split(separator: 0).map {
                String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }

    static var userID: UInt32 { getuid() }

    /// This process's environment, as "NAME=value" strings.
    package static var environment: [String] {
        var entries: [String] = []
        var next = bw_environment()
        while let entry = next?.pointee {
            entries.append(String(cString: entry))
            next = next!.advanced(by: 1)
        }
        return entries
    }

    /// The directory this program's executable is in, from /proc/self/exe.
    package static var executableDirectory: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }

    /// NULL-terminated C string arrays, valid inside `body`.
    private static func withCStrings<Result>(
        _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result
    ) -> Result {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
