import Foundation
import Testing

/// Whether the integration tests run. Where they must (in CI, and under scripts/test, the
/// README's test command), they are enabled regardless and fail on the first step that cannot
/// be done; only a bare `swift test` elsewhere, without root, reports them skipped.
enum IntegrationEnvironment {
    static let isRequired = isRequired(environment: ProcessInfo.processInfo.environment)

    /// `CI` set to anything but "", "0" or "false" (CI systems say `true`, some `1`), or
    /// `BINDWATCH_INTEGRATION=required`, which scripts/test exports.
    static func isRequired(environment: [String: String]) -> Bool {
        if environment["BINDWATCH_INTEGRATION"] == "required" { return true }
        guard let ci = environment["CI"]?.lowercased() else { return false }
        return !["", "0", "false", "no"].contains(ci)
    }

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

    static var isEnabled: Bool { isRequired || canCreateNamespaces }

    static var daemonPath: String {
        if let path = ProcessInfo.processInfo.environment["BINDWATCHD"] { return path }
        // swift test puts the test bundle beside the package's executables.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("bindwatchd").path
    }

    /// bindwatchctl from the same build as the daemon, or `BINDWATCHCTL`.
    static var controlPath: String {
        ProcessInfo.processInfo.environment["BINDWATCHCTL"] ?? programBesideDaemon("bindwatchctl")
    }

    /// bindwatch-dispatch from the same build as the daemon.
    static var dispatchPath: String { programBesideDaemon("bindwatch-dispatch") }

    /// bindwatch-metrics from the same build as the daemon.
    static var metricsPath: String { programBesideDaemon("bindwatch-metrics") }

    private static func programBesideDaemon(_ name: String) -> String {
        URL(fileURLWithPath: daemonPath).deletingLastPathComponent().appendingPathComponent(name).path
    }

    static var python: String {
        ProcessInfo.processInfo.environment["BINDWATCH_TEST_PYTHON"] ?? "python3"
    }
}

extension Trait where Self == ConditionTrait {
    /// Root and network namespaces; never skipped where they are required.
    static var needsNamespaces: Self {
        .enabled(if: IntegrationEnvironment.isEnabled, "needs root and network namespaces (run scripts/test as root)")
    }
}

/// Every integration suite nests in this one, so they run one at a time: they start daemons
/// and bursts of kernel work that would otherwise compete for the machine's two cores.
@Suite(.needsNamespaces, .serialized, .timeLimit(.minutes(5)))
struct IntegrationTests {
    @Test("this machine can make network namespaces (the other tests need them)")
    func namespacesCanBeMade() {
        #expect(
            IntegrationEnvironment.canCreateNamespaces,
            "cannot create a network namespace: run as root on a kernel and in a container that allow it")
    }
}

/// Not nested in IntegrationTests: these decide whether it runs, so they always run.
@Suite("When the integration tests run")
struct IntegrationEnvironmentTests {
    @Test(
        "required in CI and under scripts/test; optional only for a bare swift test",
        arguments: [
            (["CI": "true"], true), (["CI": "1"], true), (["CI": "yes"], true),
            (["BINDWATCH_INTEGRATION": "required"], true), (["CI": "false"], false), (["CI": "0"], false),
            (["CI": ""], false), ([:], false),
        ] as [([String: String], Bool)])
    func required(environment: [String: String], expected: Bool) {
        #expect(IntegrationEnvironment.isRequired(environment: environment) == expected)
    }

    @Test("scripts/test requires them, so that it fails rather than skips where namespaces cannot be made")
    func scriptRequiresThem() throws {
        let script = try String(
            contentsOf: Command.repositoryRoot.appendingPathComponent("scripts/test"), encoding: .utf8)
        #expect(script.contains("export BINDWATCH_INTEGRATION=required"))
    }
}
