import Foundation
import Glibc
import Synchronization

/// A real systemd as PID 1 in a systemd-nspawn container with its own network namespace, so
/// tests can run bindwatch's units under the actual manager (see /work/shared/SYSTEMD-NOTES.md
/// for the facts this relies on).
///
/// The container boots from the cached root file system of `scripts/systemd-rootfs` under an
/// overlay whose upper layer is a tmpfs of its own: the cached tree is never written, every
/// boot starts clean, and unmounting the tmpfs discards whatever the container wrote.
/// Everything a container makes on the host carries its name, `bindwatch-container-PID-N`
/// (PID is the test process): the directory in /tmp with the mounts, and a cgroup in each
/// hierarchy that nspawn runs in, so nspawn's own `payload`/`supervisor` cgroups land inside
/// ours and a later run can tell, and clear, the remains of a run that died.
final class SystemdContainer: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test task that owns this value.
    private static let counter = Mutex(0)
    private static let namePrefix = "bindwatch-container-"

    /// Also the machine name and the container's hostname.
    let name: String
    /// systemd-nspawn, as the host sees it.
    let nspawnPID: Int32
    /// The container's PID 1 (systemd), as the host sees it; `nsenter -t` targets it.
    let initPID: Int32
    private let process: Process

    private init(name: String, process: Process, initPID: Int32) {
        self.name = name
        self.process = process
        self.nspawnPID = process.processIdentifier
        self.initPID = initPID
    }

    // MARK: Lifetime

    /// Boots a container, with `installTree` (a `make install DESTDIR=…` tree: `usr/local/…`,
    /// `etc/bindwatch/…`) copied to the same paths inside, and waits until systemd reports
    /// `running` or `degraded`. Runs `body`, then powers the container off and removes all it
    /// left on the host, whether `body` succeeds or throws.
    static func with<Result>(
        installTree: String? = nil, _ body: (SystemdContainer) async throws -> Result
    ) async throws -> Result {
        removeRemainsOfDeadRuns()
        let rootfs = try Command.run([Command.script("systemd-rootfs")]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        let name = "\(namePrefix)\(getpid())-\(number)"
        do {
            let container = try await boot(name: name, rootfs: rootfs, installTree: installTree)
            do {
                let result = try await body(container)
                await container.shutDown()
                removeRemains(of: name)
                return result
            } catch {
                await container.shutDown()
                throw error
            }
        } catch {
            removeRemains(of: name)
            throw error
        }
    }

    private static func boot(name: String, rootfs: String, installTree: String?) async throws -> SystemdContainer {
        let deadline = ContinuousClock.now + .seconds(30)
        let directory = directory(of: name)
        let root = "\(directory)/root"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try Command.run(["mount", "-t", "tmpfs", "-o", "mode=0755", name, directory])
        for subdirectory in ["upper", "work", "root"] {
            try FileManager.default.createDirectory(
                atPath: "\(directory)/\(subdirectory)", withIntermediateDirectories: false)
        }
        try Command.run([
            "mount", "-t", "overlay", "-o", "lowerdir=\(rootfs),upperdir=\(directory)/upper,workdir=\(directory)/work",
            name, root,
        ])
        if let installTree {
            // tar, not `cp -a TREE/.`: that would give / (and /usr, /etc) the tree's modes, and a
            // DESTDIR from mktemp is 0700, which locks every non-root service out of the system.
            try Command.run([
                "bash", "-c", #"set -o pipefail; tar -C "$1" -cf - . | tar -C "$2" -xf - --no-overwrite-dir"#, "bash",
                installTree, root,
            ])
        }
        for hierarchy in cgroupHierarchies {
            try FileManager.default.createDirectory(atPath: "\(hierarchy)/\(name)", withIntermediateDirectories: false)
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The shell moves itself into our cgroups, then becomes nspawn, which makes its own
        // cgroups below the one it starts in (`--keep-unit`: there is no host systemd to ask).
        let joinCgroups = cgroupHierarchies.map { "echo $$ >\($0)/\(name)/cgroup.procs" }.joined(separator: " && ")
        process.arguments = [
            "-c", "\(joinCgroups) && exec \"$@\"", "sh",
            "systemd-nspawn", "--machine=\(name)", "--register=no", "--keep-unit", "--private-network",
            "--system-call-filter=bpf", "--console=pipe", "-D", root, "-b",
        ]
        // A cgroup2 tree of its own and bpf() allowed: without both, IPAddressDeny= is silently
        // not enforced inside.
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["SYSTEMD_NSPAWN_UNIFIED_HIERARCHY": "1"]) { $1 }
        let logPath = logPath(of: name)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()

        let initPID = try await waitForSystemd(name: name, nspawn: process, deadline: deadline)
        let container = SystemdContainer(name: name, process: process, initPID: initPID)
        do {
            try await container.waitUntilRunning(deadline: deadline)
        } catch {
            await container.shutDown()
            throw error
        }
        return container
    }

    /// PID 1 is nspawn's child once it has exec'd systemd; before that it is nspawn's fork.
    /// (This kernel has no /proc/PID/task/TID/children, so the search reads every status.)
    private static func waitForSystemd(name: String, nspawn: Process, deadline: ContinuousClock.Instant)
        async throws -> Int32
    {
        let parentLine = "PPid:\t\(nspawn.processIdentifier)"
        while true {
            guard nspawn.isRunning else {
                throw failure(name, "systemd-nspawn exited with status \(nspawn.terminationStatus) during boot")
            }
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(entry),
                    let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
                else { continue }
                let lines = status.split(separator: "\n").map(String.init)
                if lines.contains(parentLine) && lines.contains("Name:\tsystemd") { return pid }
            }
            guard ContinuousClock.now < deadline else { throw failure(name, "no systemd in the container after 30 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private func waitUntilRunning(deadline: ContinuousClock.Instant) async throws {
        var state = ""
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw Self.failure(name, "systemd-nspawn exited with status \(process.terminationStatus) during boot")
            }
            // Polled rather than `--wait`, which fails anyway until systemd's private socket
            // exists, and could outlast the deadline.
            let result = try execAllowingFailure(Self.bounded(["systemctl", "is-system-running"]))
            state = (result.output + result.error).trimmingCharacters(in: .whitespacesAndNewlines)
            if state == "running" || state == "degraded" { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Self.failure(name, "systemd is not running after 30 s; last state: \(state)", initPID: initPID)
    }

    /// `systemctl poweroff`, up to 10 s for nspawn to end, then SIGKILL to every process in the
    /// container's cgroups (nspawn and PID 1; the rest of the PID namespace dies with PID 1).
    private func shutDown() async {
        guard process.isRunning else { return }
        _ = try? execAllowingFailure(Self.bounded(["systemctl", "poweroff"]))
        if await waitForExit(within: .seconds(10)) { return }
        Self.killProcesses(of: name)
        _ = await waitForExit(within: .seconds(10))
    }

    private func waitForExit(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !process.isRunning
    }

    // MARK: Inside

    /// `arguments` run in all of PID 1's namespaces, with a clean environment: the test
    /// process's variables (NOTIFY_SOCKET, SYSTEMD_*) must not steer systemctl and friends.
    private func inside(_ arguments: [String]) -> [String] { Self.inside(initPID, arguments) }

    private static func inside(_ initPID: Int32, _ arguments: [String]) -> [String] {
        ["nsenter", "-t", "\(initPID)", "-a", "env", "-i", "PATH=\(containerPath)"] + arguments
    }

    private static let containerPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// `arguments` under a 5 s `timeout` run inside the container. Outside it would not do: a
    /// killed nsenter leaves its child running in the container, holding our output pipes.
    private static func bounded(_ arguments: [String]) -> [String] { ["timeout", "-k", "1", "5"] + arguments }

    /// Runs a command inside the container; throws on a non-zero exit. Returns stdout.
    @discardableResult
    func exec(_ arguments: [String], input: String? = nil) throws -> String {
        try Command.run(inside(arguments), input: input)
    }

    func execAllowingFailure(_ arguments: [String], input: String? = nil) throws -> (
        status: Int32, output: String, error: String
    ) {
        try Command.runAllowingFailure(inside(arguments), input: input)
    }

    /// Writes `contents` to `path` inside the container, making missing parent directories.
    /// Written from inside, so the container's symlinks resolve as it sees them.
    func writeFile(path: String, contents: String, mode: Int = 0o644) throws {
        let script = #"mkdir -p "$(dirname "$1")" && cat >"$1" && chmod "$2" "$1""#
        try exec(["sh", "-c", script, "sh", path, String(mode, radix: 8)], input: contents)
    }

    /// The messages of `unit` (or of the whole boot) from the container's journal, for
    /// diagnostics; an error text instead if journalctl fails.
    func journal(unit: String? = nil) -> String {
        let arguments = ["journalctl", "--no-pager", "-o", "cat", "-b"] + (unit.map { ["-u", $0] } ?? [])
        guard let result = try? execAllowingFailure(Self.bounded(arguments)) else {
            return "(journalctl could not run)"
        }
        return result.status == 0 ? result.output : "(journalctl exited \(result.status): \(result.error))"
    }

    /// What systemd-nspawn printed (its own errors; systemd's output goes to the journal).
    var log: String { (try? String(contentsOfFile: Self.logPath(of: name), encoding: .utf8)) ?? "" }

    // MARK: Host side

    /// Where nspawn makes cgroups: the cgroup2 tree (`unified/` in the hybrid layout) first,
    /// then systemd's named v1 hierarchy when there is one.
    private static let cgroupHierarchies: [String] = {
        let hybrid = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs")
        let named = "/sys/fs/cgroup/systemd"
        return [hybrid ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup"]
            + (FileManager.default.fileExists(atPath: "\(named)/cgroup.procs") ? [named] : [])
    }()

    private static func directory(of name: String) -> String { "/tmp/\(name)" }
    private static func logPath(of name: String) -> String { "\(directory(of: name))/nspawn.log" }
    private static let nspawnRuntime = "/run/systemd/nspawn"

    /// SIGKILLs whatever still runs in the container's cgroups, and waits up to 10 s for them
    /// to be gone. cgroup.kill reaches only processes we put there.
    private static func killProcesses(of name: String) {
        let cgroup = "\(cgroupHierarchies[0])/\(name)"
        guard FileManager.default.fileExists(atPath: "\(cgroup)/cgroup.kill") else { return }
        try? "1".write(toFile: "\(cgroup)/cgroup.kill", atomically: false, encoding: .utf8)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline,
            let events = try? String(contentsOfFile: "\(cgroup)/cgroup.events", encoding: .utf8),
            events.contains("populated 1")
        {
            usleep(10_000)
        }
    }

    /// Mount points at or below `path`, deepest first.
    private static func mounts(under path: String) -> [String] {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        let points = table.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return point == path || point.hasPrefix(path + "/") ? point : nil
        }
        return points.sorted { $0.count > $1.count }
    }

    /// Every empty cgroup at or below `path`, children first; a populated one stays.
    private static func removeCgroup(_ path: String) {
        let children = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for child in children {
            var isDirectory: ObjCBool = false
            let childPath = "\(path)/\(child)"
            if FileManager.default.fileExists(atPath: childPath, isDirectory: &isDirectory), isDirectory.boolValue {
                removeCgroup(childPath)
            }
        }
        rmdir(path)
    }

    /// Undoes everything a container named `name` made on the host, whatever state it is in:
    /// its processes, nspawn's lock and propagation directory (left when nspawn is killed),
    /// the mounts, the directory and the cgroups. Removes directories only with rmdir and
    /// unmounts before that, so nothing mounted is ever deleted through.
    private static func removeRemains(of name: String) {
        killProcesses(of: name)
        let directory = directory(of: name)
        var root = stat()
        if mounts(under: directory).contains("\(directory)/root"), stat("\(directory)/root", &root) == 0 {
            unlink("\(nspawnRuntime)/locks/inode-\(root.st_dev):\(root.st_ino)")
        }
        rmdir("\(nspawnRuntime)/propagate/\(name)")
        for point in mounts(under: directory) where (try? Command.run(["umount", point])) == nil {
            _ = try? Command.runAllowingFailure(["umount", "-l", point])
        }
        rmdir(directory)
        for hierarchy in cgroupHierarchies { removeCgroup("\(hierarchy)/\(name)") }
    }

    /// A run that crashed cannot clean up after itself; its containers' names carry its pid.
    private static func removeRemainsOfDeadRuns() {
        var names = Set<String>()
        for place in ["/tmp", "\(nspawnRuntime)/propagate"] + cgroupHierarchies {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: place)) ?? []
            where entry.hasPrefix(namePrefix) {
                names.insert(entry)
            }
        }
        for name in names {
            let parts = name.dropFirst(namePrefix.count).split(separator: "-")
            guard parts.count == 2, let pid = Int32(parts[0]), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            removeRemains(of: name)
        }
    }

    /// What is still on the host of the container named `name`: mounts, directories, its
    /// cgroups (and the top-level ones nspawn would make outside them), nspawn's propagation
    /// directory. Empty once `with` has returned.
    static func remains(of name: String) -> [String] {
        let paths =
            [directory(of: name), "\(nspawnRuntime)/propagate/\(name)"]
            + cgroupHierarchies.flatMap { ["\($0)/\(name)", "\($0)/payload", "\($0)/supervisor"] }
        return mounts(under: directory(of: name)) + paths.filter { FileManager.default.fileExists(atPath: $0) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `what`, with the ends of nspawn's log and, once PID 1 answers, of the journal.
    private static func failure(_ name: String, _ what: String, initPID: Int32? = nil) -> Failure {
        var text = what
        let log = (try? String(contentsOfFile: logPath(of: name), encoding: .utf8)) ?? ""
        text += "\n--- systemd-nspawn log (end) ---\n"
        text += log.split(separator: "\n").suffix(40).joined(separator: "\n")
        if let initPID,
            let journal = try? Command.run(inside(initPID, bounded(["journalctl", "--no-pager", "-b", "-n", "40"])))
        {
            text += "\n--- journal (end) ---\n" + journal
        }
        return Failure(description: text)
    }
}
