import Foundation
import Testing

/// Whether namespaces can be made here. In CI (CI=true) the integration tests must run: they
/// are enabled regardless, and fail on the first step that cannot be done.
enum IntegrationEnvironment {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static let canCreateNamespaces: Bool = {
        guard geteuid() == 0 else { return false }
        removeNamespacesOfDeadRuns()
        let name = "bwprobe-\(getpid())"
        guard (try? Command.run(["ip", "netns", "add", name])) != nil else { return false }
        _ = try? Command.run(["ip", "netns", "del", name])
        return true
    }()

    /// A run that crashed cannot clean up after itself; its namespaces carry its pid.
    private static func removeNamespacesOfDeadRuns() {
        guard let list = try? Command.run(["ip", "netns", "list"]) else { return }
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[0] == "bwt", let pid = Int32(parts[1]), pid != getpid() else { continue }
            if kill(pid, 0) != 0 { _ = try? Command.run(["ip", "netns", "del", name]) }
        }
    }

    static var isEnabled: Bool { isCI || canCreateNamespaces }

    static var daemonPath: String {
        if let path = ProcessInfo.processInfo.environment["BINDWATCHD"] { return path }
        // swift test puts the test bundle beside the package's executables.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("bindwatchd").path
    }

    /// bindwatchctl from the same build as the daemon, or `BINDWATCHCTL`.
    static var controlPath: String {
        ProcessInfo.processInfo.environment["BINDWATCHCTL"]
            ?? URL(fileURLWithPath: daemonPath).deletingLastPathComponent().appendingPathComponent("bindwatchctl").path
    }

    static var python: String {
        ProcessInfo.processInfo.environment["BINDWATCH_TEST_PYTHON"] ?? "python3"
    }
}

extension Trait where Self == ConditionTrait {
    /// Root and network namespaces; never skipped when CI=true.
    static var needsNamespaces: Self {
        .enabled(if: IntegrationEnvironment.isEnabled, "needs root and network namespaces (run scripts/test as root)")
    }
}

/// Every integration suite nests in this one, so they run one at a time: they start daemons
/// and bursts of kernel work that would otherwise compete for the machine's two cores.
@Suite(.needsNamespaces, .serialized, .timeLimit(.minutes(5)))
struct IntegrationTests {}
