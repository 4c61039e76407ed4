import BindwatchDispatch
import BindwatchMetrics
import Foundation
import Testing

@testable import BindwatchDaemon

/// The `dispatch:` and `metrics:` sections of the settings file, which bindwatch-dispatch and bindwatch-metrics read and
/// bindwatchd passes over.
@Suite("The clients' settings", .timeLimit(.minutes(1)))
struct ClientSettingsTests {
    private static let shippedFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Config/bindwatch.yaml").path

    @Test("the shipped file gives the built-in defaults, and bindwatchd still loads it")
    func shipped() async throws {
        let dispatch = try DispatchSettings.load(.init(configPath: Self.shippedFile)) { _ in nil }
        #expect(dispatch.timeout == DispatchSettings.defaultTimeout)
        #expect(dispatch.filter.family == nil && dispatch.filter.interface == nil)
        #expect(dispatch.directories == Dispatcher.defaultDirectories)
        let metrics = try MetricsSettings.load(.init(configPath: Self.shippedFile)) { _ in nil }
        #expect(metrics.textfile == MetricsSettings.debianTextfile)
        #expect(metrics.interval == MetricsSettings.defaultInterval)
        _ = try await DaemonSettings.load(from: .init(environment: [:], configPath: Self.shippedFile, isRoot: true))
    }

    @Test("file, then environment, then options")
    func precedence() async throws {
        try await withConfigFile(
            "dispatch:\n  directories: [/a, /b]\n  family: inet6\n  interface: eth0\n  timeout: 5\nmetrics:\n  textfile: /x.prom\n"
        ) { path in
            let fromFile = try DispatchSettings.load(.init(configPath: path)) { _ in nil }
            #expect(fromFile.directories == ["/a", "/b"])
            #expect(fromFile.filter.family == .inet6 && fromFile.filter.interface == "eth0")
            #expect(fromFile.timeout == 5)
            let environment = [
                "BINDWATCH_DISPATCH_DIRECTORIES": "/c:/d", "BINDWATCH_DISPATCH_TIMEOUT": "7",
                "BINDWATCH_DISPATCH_FAMILY": "inet",
            ]
            let fromEnvironment = try DispatchSettings.load(.init(configPath: path)) { environment[$0] }
            #expect(fromEnvironment.directories == ["/c", "/d"])
            #expect(fromEnvironment.timeout == 7 && fromEnvironment.filter.family == .inet)
            #expect(fromEnvironment.filter.interface == "eth0")
            let fromOptions = try DispatchSettings.load(
                .init(configPath: path, directories: ["/e"], family: .inet6, interface: "eth1", timeout: 9)
            ) { environment[$0] }
            #expect(fromOptions.directories == ["/e"] && fromOptions.timeout == 9)
            #expect(fromOptions.filter.family == .inet6 && fromOptions.filter.interface == "eth1")

            #expect(try MetricsSettings.load(.init(configPath: path)) { _ in nil }.textfile == "/x.prom")
            #expect(
                try MetricsSettings.load(.init(configPath: path)) { ["BINDWATCH_METRICS_TEXTFILE": "/y.prom"][$0] }
                    .textfile == "/y.prom")
            #expect(
                try MetricsSettings.load(.init(configPath: path, textfile: "/z.prom")) { _ in nil }.textfile
                    == "/z.prom")
            // bindwatchd passes over these sections.
            _ = try await DaemonSettings.load(from: .init(environment: [:], configPath: path, isRoot: true))
        }
    }

    @Test(
        "a bad value names the key and the file",
        arguments: [
            ("dispatch:\n  timeout: -1\n", "invalid value for dispatch.timeout in config file"),
            ("dispatch:\n  timeout: soon\n", "invalid value for dispatch.timeout in config file"),
            ("dispatch:\n  family: ipx\n", "invalid value for dispatch.family in config file"),
            ("dispatch:\n  timout: 5\n", "unknown key dispatch.timout in config file"),
            ("dispatch: [a]\n", "dispatch in config file"),
            ("metrics:\n  interval: 0\n", "invalid value for metrics.interval in config file"),
            ("metrics:\n  textfile: [a, b]\n", "invalid value for metrics.textfile in config file"),
        ])
    func badValues(yaml: String, message: String) async throws {
        try await withConfigFile(yaml) { path in
            var failure: String?
            do {
                _ = try DispatchSettings.load(.init(configPath: path)) { _ in nil }
                _ = try MetricsSettings.load(.init(configPath: path)) { _ in nil }
            } catch let error as DispatchSettings.Failure {
                failure = error.description
            } catch let error as MetricsSettings.Failure {
                failure = error.description
            }
            let text = try #require(failure)
            #expect(text.contains(message), "\(text)")
            #expect(text.contains(path))
        }
    }

    @Test("an environment value that is not valid is an error, not ignored")
    func badEnvironment() throws {
        #expect(throws: DispatchSettings.Failure.self) {
            try DispatchSettings.load(.init()) {
                ["CONFIGURATION_DIRECTORY": "/nonexistent", "BINDWATCH_DISPATCH_TIMEOUT": "x"][$0]
            }
        }
        #expect(throws: MetricsSettings.Failure.self) {
            try MetricsSettings.load(.init()) {
                ["CONFIGURATION_DIRECTORY": "/nonexistent", "BINDWATCH_METRICS_INTERVAL": "-2"][$0]
            }
        }
        // A missing default file is fine; a missing named file is not.
        _ = try DispatchSettings.load(.init()) { ["CONFIGURATION_DIRECTORY": "/nonexistent"][$0] }
        #expect(throws: DispatchSettings.Failure.self) {
            try DispatchSettings.load(.init(configPath: "/nonexistent.yaml")) { _ in nil }
        }
    }
}
