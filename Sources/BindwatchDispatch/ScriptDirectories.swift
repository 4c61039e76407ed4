import SystemPackage

/// The dispatch directories, merged as systemd merges its unit directories: a name in an
/// earlier directory overrides the same name in later ones; a symlink to /dev/null disables it.
public struct ScriptDirectories: Sendable {
    /// A file that is not run, and why.
    public struct Skipped: Sendable, Equatable, Hashable {
        public var path: String
        public var reason: String
    }

    public struct Selection: Sendable {
        /// In lexical order of their names.
        public var scripts: [DispatchScript] = []
        public var skipped: [Skipped] = []
        /// Names disabled by a symlink to /dev/null.
        public var masked: [String] = []
    }

    /// In override order: the first directory wins.
    public var directories: [String]
    /// The uid a script may belong to besides root: the dispatcher's own.
    public var userID: UInt32

    public init(directories: [String], userID: UInt32) {
        self.directories = directories
        self.userID = userID
    }

    /// Reads the directories now; a missing directory has no scripts.
    public func select() -> Selection {
        var chosen: [String: String] = [:]
        var selection = Selection()
        for directory in directories {
            let names: [String]
            do {
                names = try ProcessCalls.directoryEntries(directory)
            } catch .noSuchFileOrDirectory {
                continue
            } catch {
                selection.skipped.append(Skipped(path: directory, reason: "cannot read the directory: \(error)"))
                continue
            }
            for name in names where chosen[name] == nil && !name.hasPrefix(".") {
                chosen[name] = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            }
        }
        for name in chosen.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let path = chosen[name]!
            switch check(path) {
            case .run: selection.scripts.append(DispatchScript(name: name, path: path))
            case .masked: selection.masked.append(name)
            case .skip(let reason): selection.skipped.append(Skipped(path: path, reason: reason))
            }
        }
        return selection
    }

    enum Verdict: Equatable {
        case run
        case masked
        case skip(String)
    }

    /// What may run: a regular, executable file, owned by root or by the dispatcher's user,
    /// writable by nobody else, not setuid or setgid. Symlinks are followed (as in /etc's
    /// overrides); the file they point to is what is checked.
    func check(_ path: String) -> Verdict {
        let status: ProcessCalls.FileStatus
        do {
            status = try ProcessCalls.status(of: path)
        } catch {
            return .skip("cannot stat it: \(error)")
        }
        if status.isNullDevice { return .masked }
        let type = status.mode & 0o170000
        if type != 0o100000 { return .skip("not a regular file") }
        if status.mode & 0o111 == 0 { return .skip("not executable") }
        if status.owner != 0 && status.owner != userID {
            return .skip("owned by uid \(status.owner), neither root nor the dispatcher's uid \(userID)")
        }
        if status.mode & 0o022 != 0 { return .skip("writable by group or others") }
        if status.mode & 0o6000 != 0 { return .skip("setuid or setgid") }
        return .run
    }
}
