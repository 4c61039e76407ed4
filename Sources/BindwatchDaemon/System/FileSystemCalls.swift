import Glibc
import SystemPackage

/// The few file calls swift-system lacks, with errno turned into `Errno` here and nowhere else.
enum FileSystemCalls {
    /// `mkdir -p` with an explicit mode: directories it creates get `mode` whatever the umask.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(Errno) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) == 0 {
                guard chmod(prefix, mode) == 0 else { throw Errno(rawValue: errno) }
            } else if errno != EEXIST {
                throw Errno(rawValue: errno)
            }
        }
    }

    /// rename(2); a missing source is not an error (a rotated file that never existed).
    static func renameIfPresent(_ source: String, to destination: String) throws(Errno) {
        if rename(source, destination) != 0 && errno != ENOENT { throw Errno(rawValue: errno) }
    }

    static func setMode(_ descriptor: FileDescriptor, _ mode: mode_t) throws(Errno) {
        guard fchmod(descriptor.rawValue, mode) == 0 else { throw Errno(rawValue: errno) }
    }

    static func setMode(_ path: String, _ mode: mode_t) throws(Errno) {
        guard chmod(path, mode) == 0 else { throw Errno(rawValue: errno) }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}
