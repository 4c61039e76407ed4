import BindwatchSettingsFile
import Configuration

/// The config file's settings, by key, read once. Every key must be one bindwatchd knows: a
/// misspelt key would otherwise be ignored in silence, and its setting left at the default.
struct SettingsFile {
    let path: String
    /// Each setting's node, by its dotted key.
    private let values: [String: YAMLNode]

    var source: String { "config file \(path)" }

    /// `required`: an explicit --config, whose absence is an error; the default path may be missing.
    init(path: String, required: Bool) throws(SettingsError) {
        self.path = path
        let root: YAMLNode?
        do {
            root = try YAMLFile.readSettings(path: path, required: required)
        } catch {
            throw SettingsError.unreadable(path, error.problem)
        }
        var values: [String: YAMLNode] = [:]
        if let root {
            guard case .mapping(let entries) = root.value else {
                throw SettingsError(
                    key: nil, source: "config file \(path)", problem: "must be a mapping of settings",
                    message: "config file \(path) must be a mapping of settings")
            }
            try Self.collect(entries, prefix: "", path: path, into: &values)
        }
        self.values = values
    }

    private static let keys = Set(SettingKey.all.map(\.path))
    /// Sections for bindwatch-dispatch and bindwatch-metrics, which check them themselves.
    private static let clientSections: Set<String> = ["dispatch", "metrics"]
    private static let sections = Set(keys.compactMap { $0.split(separator: ".").dropLast().joined(separator: ".") })

    private static func collect(
        _ entries: [YAMLEntry], prefix: String, path: String, into values: inout [String: YAMLNode]
    ) throws(SettingsError) {
        for entry in entries {
            let key = prefix.isEmpty ? entry.key : "\(prefix).\(entry.key)"
            if prefix.isEmpty && clientSections.contains(key) { continue }
            if sections.contains(key) {
                if entry.value.isNull { continue }
                guard case .mapping(let inner) = entry.value.value else {
                    throw SettingsError(
                        key: key, source: "config file \(path)", problem: "must be a mapping of settings",
                        message: "\(key) in config file \(path) must be a mapping of settings")
                }
                try collect(inner, prefix: key, path: path, into: &values)
            } else if keys.contains(key) {
                values[key] = entry.value
            } else {
                throw SettingsError(
                    key: key, source: "config file \(path)", problem: "unknown key",
                    message: "unknown key \(key) in config file \(path)")
            }
        }
    }

    /// The setting as written, in the form `type` asks for when the text allows it, else as
    /// its text (the caller then names what was expected); nil when the file does not set it.
    func content(_ key: SettingKey, _ type: ConfigType) throws(SettingsError) -> ConfigContent? {
        guard let node = values[key.path], !node.isNull else { return nil }
        switch node.value {
        case .mapping:
            throw SettingsError(
                key: key.path, source: source, problem: "expected a value, not a mapping",
                message: "invalid value for \(key.path) in \(source): expected a value, not a mapping")
        case .sequence(let items):
            var strings: [String] = []
            for item in items {
                guard let text = item.string else {
                    throw SettingsError(
                        key: key.path, source: source, problem: "expected a list of strings",
                        message: "invalid value for \(key.path) in \(source): expected a list of strings")
                }
                strings.append(text)
            }
            return .stringArray(strings)
        case .scalar(let text, _):
            switch type {
            case .bool: return node.bool.map(ConfigContent.bool) ?? .string(text)
            case .int: return node.int.map(ConfigContent.int) ?? .string(text)
            default: return .string(text)
            }
        }
    }
}
