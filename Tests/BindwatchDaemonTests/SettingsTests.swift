import AddressClassification
import Configuration
import Foundation
import JournalLogging
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("Settings", .timeLimit(.minutes(1)))
struct SettingsTests {
    @Test("environment variable names follow the YAML keys")
    func environmentNames() {
        #expect(SettingKey.allowOptimistic.environmentVariable == "BINDWATCH_POLICY_ALLOW_OPTIMISTIC")
        #expect(SettingKey.netlinkReceiveBuffer.environmentVariable == "BINDWATCH_NETLINK_RECEIVE_BUFFER")
        #expect(SettingKey.maxConnectionsPerUser.environmentVariable == "BINDWATCH_LIMITS_CONNECTIONS_PER_USER")
    }

    @Test("defaults: no file, no environment, no flags")
    func defaults() async throws {
        let settings = try await DaemonSettings.load(
            from: .init(environment: ["CONFIGURATION_DIRECTORY": "/nonexistent"], configPath: nil, isRoot: true))
        #expect(settings.socketPath == "/run/bindwatch/io.bindwatch")
        #expect(settings.policy == BindPolicy())
        #expect(settings.socketMode == 0o666)
    }

    @Test("socket path defaults follow systemd, root, then XDG_RUNTIME_DIR")
    func socketDefaults() {
        #expect(
            DaemonSettings.defaultSocketPath(environment: ["RUNTIME_DIRECTORY": "/run/x"], isRoot: false)
                == "/run/x/io.bindwatch")
        #expect(DaemonSettings.defaultSocketPath(environment: [:], isRoot: true) == "/run/bindwatch/io.bindwatch")
        #expect(
            DaemonSettings.defaultSocketPath(environment: ["XDG_RUNTIME_DIR": "/run/user/1000"], isRoot: false)
                == "/run/user/1000/bindwatch/io.bindwatch")
    }

    @Test("the shipped Config/bindwatch.yaml loads and equals the built-in defaults")
    func shippedFile() async throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/bindwatch.yaml").path
        let fromFile = try await DaemonSettings.load(from: .init(environment: [:], configPath: path, isRoot: true))
        let builtIn = try await DaemonSettings.load(
            from: .init(environment: ["CONFIGURATION_DIRECTORY": "/nonexistent"], configPath: nil, isRoot: true))
        #expect(fromFile == builtIn)
    }

    /// A value other than the default for every key, as an environment variable gives it.
    static let changedValues: [(SettingKey, String)] = [
        (.socketPath, "/run/other/io.bindwatch"), (.socketMode, "0600"), (.netlinkReceiveBuffer, "65536"),
        (.allowOptimistic, "true"), (.allowDeprecated, "true"), (.link, "any"), (.includeInterfaces, "eth*"),
        (.excludeInterfaces, "docker0"), (.families, "inet6"), (.excludeTypes, "link-local"),
        (.maxConnectionsPerUser, "7"), (.maxConnections, "9"), (.logLevel, "debug"), (.eventLogEnabled, "false"),
        (.eventLogPath, "/var/tmp/other.jsonl"), (.eventLogMaxBytes, "8192"), (.eventLogKeep, "2"),
    ]

    @Test("every key has a changed value here")
    func everyKeyCovered() {
        #expect(Set(Self.changedValues.map(\.0.path)) == Set(SettingKey.all.map(\.path)))
    }

    @Test(
        "a reload reports a changed key as restart-only exactly when it does not apply on reload",
        arguments: changedValues.map(\.0.path))
    func restartOnly(path: String) async throws {
        let (key, value) = try #require(Self.changedValues.first { $0.0.path == path })
        let environment = ["CONFIGURATION_DIRECTORY": "/nonexistent"]
        let before = try await DaemonSettings.load(from: .init(environment: environment, configPath: nil, isRoot: true))
        let after = try await DaemonSettings.load(
            from: .init(
                environment: environment.merging([key.environmentVariable: value]) { $1 }, configPath: nil, isRoot: true
            ))
        #expect(after != before, "the value did not change the settings")
        #expect(after.changedRestartOnlySettings(since: before) == (key.appliesOnReload ? [] : [key]))
    }

    @Test("file, then environment, then flags; later wins")
    func precedence() async throws {
        let yaml = """
            policy:
              allowOptimistic: true
              link: running
              excludeInterfaces: [virbr*, docker0]
              families: [inet6]
              excludeTypes: [link-local, unique-local]
            """
        try await withConfigFile(yaml) { path in
            let fileOnly = try await DaemonSettings.load(from: .init(environment: [:], configPath: path, isRoot: true))
            #expect(fileOnly.policy.allowOptimistic)
            #expect(fileOnly.policy.link == .running)
            #expect(fileOnly.policy.excludeInterfaces == ["virbr*", "docker0"])
            #expect(fileOnly.policy.families == [.inet6])
            #expect(fileOnly.policy.excludeTypes == [.linkLocal, .uniqueLocal])

            let withEnvironment = try await DaemonSettings.load(
                from: .init(
                    environment: ["BINDWATCH_POLICY_LINK": "any", "BINDWATCH_POLICY_EXCLUDE_INTERFACES": "br*,lo"],
                    configPath: path, isRoot: true))
            #expect(withEnvironment.policy.link == .any)
            #expect(withEnvironment.policy.excludeInterfaces == ["br*", "lo"])

            let withFlags = try await DaemonSettings.load(
                from: .init(
                    flags: [.link: .string("up")], environment: ["BINDWATCH_POLICY_LINK": "any"], configPath: path,
                    isRoot: true))
            #expect(withFlags.policy.link == .up)
        }
    }

    @Test(
        "an invalid value names the key and where it came from",
        arguments: [
            ("policy:\n  link: sideways\n", [:], "policy.link in config file"),
            ("policy:\n  allowOptimistic: maybe\n", [:], "policy.allowOptimistic in config file"),
            ("", ["BINDWATCH_POLICY_FAMILIES": "inet,ipx"], "BINDWATCH_POLICY_FAMILIES"),
            ("", ["BINDWATCH_NETLINK_RECEIVE_BUFFER": "12"], "BINDWATCH_NETLINK_RECEIVE_BUFFER"),
            ("socket:\n  mode: \"0999\"\n", [:], "socket.mode in config file"),
            ("policy:\n  excludeTypes: [link-local, bogus]\n", [:], "policy.excludeTypes in config file"),
            ("policy:\n  allowOptimistc: true\n", [:], "unknown key policy.allowOptimistc in config file"),
            ("polcy:\n  link: up\n", [:], "unknown key polcy in config file"),
            ("socket: /run/x\n", [:], "socket in config file"),
            ("eventLog:\n  keep: 0\n", [:], "eventLog.keep in config file"),
            ("eventLog:\n  path: events.jsonl\n", [:], "eventLog.path in config file"),
            ("", ["BINDWATCH_EVENT_LOG_MAX_BYTES": "100"], "BINDWATCH_EVENT_LOG_MAX_BYTES"),
        ] as [(String, [String: String], String)])
    func invalid(yaml: String, environment: [String: String], mentions: String) async throws {
        try await withConfigFile(yaml) { path in
            do {
                _ = try await DaemonSettings.load(from: .init(environment: environment, configPath: path, isRoot: true))
                Issue.record("accepted an invalid value")
            } catch let error as SettingsError {
                #expect(error.message.contains(mentions), "\(error.message)")
            }
        }
    }

    @Test(
        "the file is read with libyaml: what it refuses, named with its line",
        arguments: [
            ("policy:\n  link: [up\n", "cannot read config file"),
            ("policy:\n  link: up\n  link: any\n", "line 3: the key link is given twice"),
            ("base: &b up\npolicy:\n  link: *b\n", "anchors and aliases are not supported"),
            ("netlink:\n  receiveBuffer: \"33554432\"\n", "netlink.receiveBuffer in config file"),
            ("policy:\n  allowOptimistic: \"true\"\n", "policy.allowOptimistic in config file"),
            ("policy:\n  link:\n    up: 1\n", "expected a value, not a mapping"),
            ("- policy\n", "must be a mapping of settings"),
            ("policy:\n  link: up\n---\npolicy:\n  link: any\n", "more than one YAML document"),
        ] as [(String, String)])
    func yamlRefusals(yaml: String, mentions: String) async throws {
        try await withConfigFile(yaml) { path in
            do {
                _ = try await DaemonSettings.load(from: .init(environment: [:], configPath: path, isRoot: true))
                Issue.record("accepted \(yaml)")
            } catch let error as SettingsError {
                #expect(error.message.contains(mentions), "\(error.message)")
                #expect(error.source == "config file \(path)")
            }
        }
    }

    @Test(
        "YAML forms a hand-written file uses: comments only, empty sections, yes/no, hex, one-item lists",
        arguments: [
            ("# nothing set\n", { @Sendable (_: DaemonSettings) in true }),
            ("---\n", { _ in true }),
            ("policy:\n", { _ in true }),
            ("policy:\n  allowDeprecated: yes\n", { $0.policy.allowDeprecated }),
            ("netlink:\n  receiveBuffer: 0x100000\n", { $0.netlinkReceiveBuffer == 1_048_576 }),
            ("policy:\n  families: inet6\n", { $0.policy.families == [.inet6] }),
            (
                "policy:\n  excludeInterfaces:\n    - docker0\n    - 'veth*'\n",
                {
                    $0.policy.excludeInterfaces == ["docker0", "veth*"]
                }
            ),
            ("socket:\n  mode: 0600\n", { $0.socketMode == 0o600 }),
        ] as [(String, @Sendable (DaemonSettings) -> Bool)])
    func yamlForms(yaml: String, check: @Sendable (DaemonSettings) -> Bool) async throws {
        try await withConfigFile(yaml) { path in
            let settings = try await DaemonSettings.load(from: .init(environment: [:], configPath: path, isRoot: true))
            #expect(check(settings), "\(yaml)")
        }
    }

    @Test(
        "the event log's default path: systemd's LogsDirectory, /var/log for root, the XDG state directory",
        arguments: [
            (["LOGS_DIRECTORY": "/var/log/bindwatch"], false, "/var/log/bindwatch/events.jsonl"),
            ([:], true, "/var/log/bindwatch/events.jsonl"),
            (["XDG_STATE_HOME": "/home/u/.state", "HOME": "/home/u"], false, "/home/u/.state/bindwatch/events.jsonl"),
            (["HOME": "/home/u"], false, "/home/u/.local/state/bindwatch/events.jsonl"),
        ] as [([String: String], Bool, String)])
    func eventLogDefault(environment: [String: String], isRoot: Bool, path: String) async throws {
        var environment = environment
        environment["CONFIGURATION_DIRECTORY"] = "/nonexistent"
        let settings = try await DaemonSettings.load(
            from: .init(environment: environment, configPath: nil, isRoot: isRoot))
        #expect(settings.eventLog?.path == path)
    }

    @Test("--no-event-log and BINDWATCH_EVENT_LOG_ENABLED=false turn the log off")
    func eventLogOff() async throws {
        let environment = ["CONFIGURATION_DIRECTORY": "/nonexistent"]
        let flagged = try await DaemonSettings.load(
            from: .init(
                flags: [.eventLogEnabled: .bool(false)], environment: environment, configPath: nil, isRoot: true))
        #expect(flagged.eventLog == nil)
        var disabled = environment
        disabled["BINDWATCH_EVENT_LOG_ENABLED"] = "false"
        let fromEnvironment = try await DaemonSettings.load(
            from: .init(environment: disabled, configPath: nil, isRoot: true))
        #expect(fromEnvironment.eventLog == nil)
        var sized = environment
        sized["BINDWATCH_EVENT_LOG_MAX_BYTES"] = "1048576"
        sized["BINDWATCH_EVENT_LOG_KEEP"] = "9"
        let custom = try await DaemonSettings.load(from: .init(environment: sized, configPath: nil, isRoot: true))
        #expect(
            custom.eventLog
                == EventLogConfiguration(path: "/var/log/bindwatch/events.jsonl", maxBytes: 1_048_576, keep: 9))
    }

    @Test("a missing explicit config file is an error")
    func missingFile() async {
        await #expect(throws: SettingsError.self) {
            try await DaemonSettings.load(
                from: .init(environment: [:], configPath: "/nonexistent/bindwatch.yaml", isRoot: true))
        }
    }
}

@Suite("Diagnostics", .timeLimit(.minutes(1)))
struct JournalLogHandlerTests {
    @Test("syslog priorities for each level")
    func priorities() {
        #expect(JournalLogHandler.priority(.critical) == 2)
        #expect(JournalLogHandler.priority(.error) == 3)
        #expect(JournalLogHandler.priority(.warning) == 4)
        #expect(JournalLogHandler.priority(.notice) == 5)
        #expect(JournalLogHandler.priority(.info) == 6)
        #expect(JournalLogHandler.priority(.debug) == 7)
    }

    @Test("a JOURNAL_STREAM that is not stderr's stream is ignored", arguments: ["", "1:2", "x:y", "0:0:0"])
    func foreignStream(value: String) {
        #expect(!JournalLogHandler.stderrIsJournal(["JOURNAL_STREAM": value]))
        #expect(!JournalLogHandler.stderrIsJournal([:]))
    }
}
