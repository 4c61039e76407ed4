import BindwatchModel
import Configuration
import Logging

import enum AddressClassification.AddressType

/// A setting that could not be used: which key, where its value came from, and what is wrong.
public struct SettingsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The YAML key (`policy.link`), whichever source gave the value; nil when the problem is
    /// the file as a whole (it cannot be read or parsed).
    public let key: String?
    /// `config file /etc/bindwatch/bindwatch.yaml`, `environment variable BINDWATCH_POLICY_LINK`
    /// or `flag --link`.
    public let source: String
    public let problem: String
    /// One line for a log or a terminal.
    public let message: String
    public var description: String { message }

    init(key: String?, source: String, problem: String, message: String) {
        self.key = key
        self.source = source
        self.problem = problem
        self.message = message
    }

    static func unreadable(_ path: String, _ problem: String) -> SettingsError {
        SettingsError(
            key: nil, source: "config file \(path)", problem: problem,
            message: "cannot read config file \(path): \(problem)")
    }
}

extension DaemonSettings {
    /// Where settings come from, highest precedence first: flags, environment, config file.
    public struct Sources: Sendable {
        /// Values given on the command line, by setting.
        public var flags: [SettingKey: ConfigContent] = [:]
        public var environment: [String: String]
        /// nil: the default path, where a missing file means built-in defaults.
        public var configPath: String?
        public var isRoot: Bool

        public init(
            flags: [SettingKey: ConfigContent] = [:], environment: [String: String], configPath: String?, isRoot: Bool
        ) {
            self.flags = flags
            self.environment = environment
            self.configPath = configPath
            self.isRoot = isRoot
        }
    }

    /// Reads every setting through swift-configuration; an invalid value is an error naming the
    /// key and its source, never a silent default.
    public static func load(from sources: Sources) async throws -> DaemonSettings {
        let file = try SettingsFile(
            path: sources.configPath ?? defaultConfigPath(environment: sources.environment),
            required: sources.configPath != nil)
        var flagValues: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, content) in sources.flags {
            flagValues[AbsoluteConfigKey(key.path.split(separator: ".").map(String.init))] = ConfigValue(
                content, isSecret: false)
        }
        let lookup = SettingsLookup(
            layers: [
                .provider("flag", InMemoryProvider(name: "flags", values: flagValues)),
                .provider(
                    "environment",
                    EnvironmentVariablesProvider(environmentVariables: sources.environment).prefixKeys(
                        with: "bindwatch")),
                .file(file),
            ])

        var settings = DaemonSettings(
            socketPath: defaultSocketPath(environment: sources.environment, isRoot: sources.isRoot))
        if let value = try lookup.string(.socketPath) {
            guard value.hasPrefix("/") else { throw lookup.invalid(.socketPath, "an absolute path") }
            settings.socketPath = value
        }
        if let value = try lookup.string(.socketMode) {
            guard let mode = UInt32(value, radix: 8), mode <= 0o777 else {
                throw lookup.invalid(.socketMode, "an octal mode such as 0666")
            }
            settings.socketMode = mode
        }
        if let value = try lookup.int(.netlinkReceiveBuffer) {
            guard value >= 32 * 1024 && value <= Int(Int32.max) else {
                throw lookup.invalid(.netlinkReceiveBuffer, "a byte count from 32768 to 2147483647")
            }
            settings.netlinkReceiveBuffer = value
        }
        settings.policy.allowOptimistic = try lookup.bool(.allowOptimistic) ?? false
        settings.policy.allowDeprecated = try lookup.bool(.allowDeprecated) ?? false
        if let value = try lookup.string(.link) {
            guard let link = LinkRequirement(rawValue: value) else { throw lookup.invalid(.link, "any, up or running") }
            settings.policy.link = link
        }
        settings.policy.includeInterfaces = try lookup.stringArray(.includeInterfaces) ?? []
        settings.policy.excludeInterfaces = try lookup.stringArray(.excludeInterfaces) ?? []
        if let values = try lookup.stringArray(.families) {
            var families: Set<AddressFamily> = []
            for value in values {
                guard let family = AddressFamily(name: value) else {
                    throw lookup.invalid(.families, "inet and/or inet6")
                }
                families.insert(family)
            }
            guard !families.isEmpty else { throw lookup.invalid(.families, "at least one of inet, inet6") }
            settings.policy.families = families
        }
        if let values = try lookup.stringArray(.excludeTypes) {
            var types: Set<AddressType> = []
            for value in values {
                guard let type = AddressType(rawValue: value) else {
                    throw lookup.invalid(
                        .excludeTypes,
                        "address types from: " + AddressType.allCases.map(\.rawValue).joined(separator: ", "))
                }
                types.insert(type)
            }
            settings.policy.excludeTypes = types
        }
        if let value = try lookup.int(.maxConnectionsPerUser) {
            guard value > 0 else { throw lookup.invalid(.maxConnectionsPerUser, "a positive number") }
            settings.maxConnectionsPerUser = value
        }
        if let value = try lookup.int(.maxConnections) {
            guard value > 0 else { throw lookup.invalid(.maxConnections, "a positive number") }
            settings.maxConnections = value
        }
        if let value = try lookup.string(.logLevel) {
            guard let level = Logger.Level(rawValue: value) else {
                throw lookup.invalid(.logLevel, "one of trace, debug, info, notice, warning, error, critical")
            }
            settings.logLevel = level
        }
        settings.eventLog = try loadEventLog(lookup, sources: sources)
        return settings
    }
}

extension DaemonSettings {
    fileprivate static func loadEventLog(_ lookup: SettingsLookup, sources: Sources) throws -> EventLogConfiguration? {
        guard try lookup.bool(.eventLogEnabled) ?? true else { return nil }
        let path: String
        if let value = try lookup.string(.eventLogPath) {
            guard value.hasPrefix("/") else { throw lookup.invalid(.eventLogPath, "an absolute path") }
            path = value
        } else if let value = EventLogConfiguration.defaultPath(
            environment: sources.environment, isRoot: sources.isRoot)
        {
            path = value
        } else {
            return nil
        }
        var configuration = EventLogConfiguration(path: path)
        if let value = try lookup.int(.eventLogMaxBytes) {
            guard value == 0 || value >= 4096 else {
                throw lookup.invalid(.eventLogMaxBytes, "0 (never rotate) or a byte count of at least 4096")
            }
            configuration.maxBytes = value
        }
        if let value = try lookup.int(.eventLogKeep) {
            guard (1...1000).contains(value) else { throw lookup.invalid(.eventLogKeep, "a number from 1 to 1000") }
            configuration.keep = value
        }
        return configuration
    }
}

/// Looks each setting up layer by layer, remembering which layer answered, so that an error
/// can say where a bad value came from.
struct SettingsLookup {
    enum Layer {
        /// Flags or the environment, through swift-configuration; `name` is "flag" or "environment".
        case provider(String, any ConfigProvider)
        case file(SettingsFile)

        var name: String {
            switch self {
            case .provider(let name, _): name
            case .file(let file): file.source
            }
        }
    }

    let layers: [Layer]

    private func content(_ key: SettingKey, _ type: ConfigType) throws -> (ConfigContent, String)? {
        let absolute = AbsoluteConfigKey(key.path.split(separator: ".").map(String.init))
        for layer in layers {
            switch layer {
            case .provider(let name, let provider):
                let result: LookupResult
                do {
                    result = try provider.value(forKey: absolute, type: type)
                } catch {
                    throw Self.error(key, in: name, "expected \(type.rawValue) (\(error))")
                }
                if let value = result.value { return (value.content, name) }
            case .file(let file):
                if let content = try file.content(key, type) { return (content, file.source) }
            }
        }
        return nil
    }

    func invalid(_ key: SettingKey, _ expected: String) -> SettingsError {
        // Which layer gave the value: look it up again as whatever type it holds.
        let types: [ConfigType] = [.string, .stringArray, .int, .bool]
        let source = types.lazy.compactMap { type in (try? self.content(key, type))??.1 }.first
        return Self.error(key, in: source ?? "settings", "expected \(expected)")
    }

    /// `layer`: a layer's name, "flag", "environment" or "config file PATH".
    private static func error(_ key: SettingKey, in layer: String, _ problem: String) -> SettingsError {
        switch layer {
        case "flag":
            SettingsError(
                key: key.path, source: "flag \(key.flag)", problem: problem,
                message: "invalid value for \(key.flag): \(problem)")
        case "environment":
            SettingsError(
                key: key.path, source: "environment variable \(key.environmentVariable)", problem: problem,
                message: "invalid value for \(key.environmentVariable): \(problem)")
        default:
            SettingsError(
                key: key.path, source: layer, problem: problem,
                message: "invalid value for \(key.path) in \(layer): \(problem)")
        }
    }

    func string(_ key: SettingKey) throws -> String? {
        guard let (content, source) = try content(key, .string) else { return nil }
        guard case .string(let value) = content else { throw mismatch(key, source, "a string") }
        return value
    }

    func bool(_ key: SettingKey) throws -> Bool? {
        guard let (content, source) = try content(key, .bool) else { return nil }
        guard case .bool(let value) = content else { throw mismatch(key, source, "true or false") }
        return value
    }

    func int(_ key: SettingKey) throws -> Int? {
        guard let (content, source) = try content(key, .int) else { return nil }
        guard case .int(let value) = content else { throw mismatch(key, source, "an integer") }
        return value
    }

    func stringArray(_ key: SettingKey) throws -> [String]? {
        guard let (content, source) = try content(key, .stringArray) else { return nil }
        switch content {
        case .stringArray(let values): return values
        case .string(let value): return [value]
        default: throw mismatch(key, source, "a list of strings")
        }
    }

    private func mismatch(_ key: SettingKey, _ source: String, _ expected: String) -> SettingsError {
        Self.error(key, in: source, "expected \(expected)")
    }
}
