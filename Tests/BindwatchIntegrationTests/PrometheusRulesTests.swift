import Foundation
import Glibc
import Testing

/// Config/prometheus: the alert rules and their promtool unit tests.
enum PrometheusRuleFiles {
    static let directory = Command.repositoryRoot.appendingPathComponent("Config/prometheus")
    static let rules = directory.appendingPathComponent("bindwatch.rules.yml").path
    static let tests = directory.appendingPathComponent("bindwatch.rules.test.yml").path
}

/// Not nested in IntegrationTests: promtool needs neither root nor namespaces, so these run
/// wherever the tests run, and without promtool they fail, naming its package, rather than skip.
@Suite("Prometheus alert rules")
struct PrometheusRulesTests {
    @Test("promtool check rules accepts bindwatch.rules.yml")
    func checkRules() throws {
        let promtool = try PrometheusStack.Tool.promtool.require()
        let result = try Command.runAllowingFailure([promtool, "check", "rules", PrometheusRuleFiles.rules])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("SUCCESS"), "\(result.output)\(result.error)")
    }

    @Test("promtool test rules passes bindwatch.rules.test.yml: each alert fires when it should, and only then")
    func unitTests() throws {
        let promtool = try PrometheusStack.Tool.promtool.require()
        // promtool finds rule_files relative to the test file.
        let result = try Command.runAllowingFailure([promtool, "test", "rules", PrometheusRuleFiles.tests])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("SUCCESS"), "\(result.output)\(result.error)")
    }

    @Test("every alert in bindwatch.rules.yml has a case in bindwatch.rules.test.yml")
    func everyAlertTested() throws {
        func names(after key: String, in path: String) throws -> Set<String> {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return Set(
                text.split(separator: "\n").compactMap { line in
                    let words = line.split(separator: " ")
                    guard words.count >= 2, words.dropFirst(words.first == "-" ? 1 : 0).first == "\(key):" else {
                        return nil
                    }
                    return words.last.map(String.init)
                })
        }
        let alerts = try names(after: "alert", in: PrometheusRuleFiles.rules)
        let tested = try names(after: "alertname", in: PrometheusRuleFiles.tests)
        #expect(!alerts.isEmpty)
        #expect(alerts.subtracting(tested).isEmpty, "untested: \(alerts.subtracting(tested).sorted())")
    }
}

extension IntegrationTests {
    /// The harness the end-to-end metrics tests use (Support/PrometheusStack.swift), checked on
    /// hand-written textfiles. It starts servers, so it runs where the integration tests do.
    @Suite("Prometheus test harness: node_exporter and Prometheus on loopback")
    struct PrometheusStackTests {
        @Test("test harness: a hand-written textfile reaches Prometheus's query API, with only job and instance added")
        func textfileReachesQueries() async throws {
            try await PrometheusStack.withStack { stack in
                let textfile = """
                    # HELP bindwatch_up Whether bindwatchd answered.
                    # TYPE bindwatch_up gauge
                    bindwatch_up 1

                    """
                try PrometheusStack.checkMetrics(textfile)
                try stack.writeTextfile("bindwatch.prom", textfile)
                let samples = try await stack.waitFor("bindwatch_up") { !$0.isEmpty }
                #expect(
                    samples == [
                        .init(
                            labels: ["__name__": "bindwatch_up", "job": "node", "instance": stack.nodeExporterAddress],
                            value: 1)
                    ])
                // A new value, and then no file at all: the series goes stale at the next scrape.
                try stack.writeTextfile("bindwatch.prom", textfile.replacingOccurrences(of: "up 1", with: "up 0"))
                try await stack.waitFor("bindwatch_up") { $0.map(\.value) == [0] }
                try stack.removeTextfile("bindwatch.prom")
                try await stack.waitFor("bindwatch_up") { $0.isEmpty }
                let scalar = try await stack.query("scalar(vector(2.5))")
                #expect(scalar == [.init(labels: [:], value: 2.5)])
            }
        }

        @Test("test harness: bindwatch.rules.yml loads into a real Prometheus and its alerts follow a textfile")
        func rulesFollowTextfile() async throws {
            try await PrometheusStack.withStack(ruleFiles: [PrometheusRuleFiles.rules]) { stack in
                try stack.writeTextfile(
                    "bindwatch.prom",
                    """
                    bindwatch_up 1
                    bindwatch_synced 0
                    bindwatch_addresses{family="inet6",state="dadfailed"} 1
                    bindwatch_addresses{family="inet6",state="bindable"} 2

                    """)
                // `for: 0m` fires at the first evaluation; `for: 5m` stays pending for this test.
                let firing = try await stack.waitFor(#"ALERTS{alertstate="firing"}"#) {
                    $0.contains { $0.labels["alertname"] == "BindwatchAddressDADFailed" }
                }
                #expect(firing.map { $0.labels["alertname"] } == ["BindwatchAddressDADFailed"])
                #expect(firing.first?.labels["instance"] == stack.nodeExporterAddress)
                #expect(firing.first?.labels["family"] == "inet6")
                #expect(firing.first?.labels["severity"] == "critical")
                let pending = try await stack.waitFor(#"ALERTS{alertstate="pending"}"#) {
                    $0.contains { $0.labels["alertname"] == "BindwatchNotSynced" }
                }
                #expect(pending.map { $0.labels["alertname"] } == ["BindwatchNotSynced"])
            }
        }

        @Test("test harness: both servers are stopped and their files removed when the test body throws")
        func cleansUpAfterFailure() async throws {
            struct BodyFailed: Error {}
            var processes: [pid_t] = []
            var textfileDirectory = ""
            await #expect(throws: BodyFailed.self) {
                try await PrometheusStack.withStack { stack in
                    processes = stack.processIdentifiers
                    textfileDirectory = stack.textfileDirectory
                    throw BodyFailed()
                }
            }
            #expect(processes.count == 2)
            for process in processes {
                // Waited for, so not even a zombie is left.
                #expect(kill(process, 0) == -1 && errno == ESRCH, "process \(process) is still there")
            }
            #expect(!textfileDirectory.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: textfileDirectory))
        }

        @Test("test harness: a Prometheus that cannot start fails the test with its log")
        func startFailureShowsLog() async throws {
            let directory = try Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let brokenRules = "\(directory)/broken.rules.yml"
            try "groups: [{name: broken, rules: [{alert: Broken, expr: 'up ==='}]}]\n".write(
                toFile: brokenRules, atomically: true, encoding: .utf8)
            let error = try await #require(throws: PrometheusStack.Failure.self) {
                try await PrometheusStack.withStack(ruleFiles: [brokenRules]) { _ in }
            }
            #expect(error.description.contains("prometheus exited"), "\(error)")
            #expect(error.description.contains("broken.rules.yml"), "\(error)")
        }

        @Test("test harness: checkMetrics throws with promtool's complaint")
        func checkMetricsReportsProblems() throws {
            // promtool's lint: a counter must end in _total, and every metric needs HELP.
            let error = try #require(throws: PrometheusStack.Failure.self) {
                try PrometheusStack.checkMetrics("# TYPE bindwatch_resyncs counter\nbindwatch_resyncs 1\n")
            }
            #expect(error.description.contains("bindwatch_resyncs"), "\(error)")
            #expect(throws: PrometheusStack.Failure.self) {
                try PrometheusStack.checkMetrics("bindwatch_up{ 1\n")
            }
        }
    }
}
