/// One section of the settings file, for a program that reads only its own (bindwatch-dispatch's
/// `dispatch:`, bindwatch-metrics' `metrics:`): every key in it must be one the program knows, and each value
/// is read with an error that names the key and the file. Other sections are bindwatchd's.
package struct SettingsSection {
    /// What is wrong, naming the key and the file as bindwatchd's own errors do.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    package static let defaultPath = "/etc/bindwatch/bindwatch.yaml"

    package let path: String
    package let name: String
    private let values: [String: YAMLNode]

    /// `required`: a path the user named, whose absence is an error; the default path may be missing.
    package init(path: String, section name: String, keys: Set<String>, required: Bool) throws(Failure) {
        self.path = path
        self.name = name
        let root: YAMLNode?
        do {
            root = try YAMLFile.readSettings(path: path, required: required)
        } catch {
            throw Failure(description: "cannot read config file \(path): \(error.problem)")
        }
        var values: [String: YAMLNode] = [:]
        if let root, case .mapping(let sections) = root.value,
            let section = sections.first(where: { $0.key == name })?.value, !section.isNull
        {
            guard case .mapping(let entries) = section.value else {
                throw Failure(description: "\(name) in config file \(path) must be a mapping of settings")
            }
            for entry in entries {
                guard keys.contains(entry.key) else {
                    throw Failure(description: "unknown key \(name).\(entry.key) in config file \(path)")
                }
                values[entry.key] = entry.value
            }
        }
        self.values = values
    }

    private func invalid(_ key: String, _ expected: String) -> Failure {
        Failure(description: "invalid value for \(name).\(key) in config file \(path): expected \(expected)")
    }

    /// A scalar's text; nil when the file does not set it.
    package func string(_ key: String) throws(Failure) -> String? {
        guard let node = values[key], !node.isNull else { return nil }
        guard let text = node.string else { throw invalid(key, "a value, not a list or mapping") }
        return text
    }

    /// A list of scalars (one scalar is a list of one); nil when the file does not set it.
    package func strings(_ key: String) throws(Failure) -> [String]? {
        guard let node = values[key], !node.isNull else { return nil }
        switch node.value {
        case .sequence(let items):
            var strings: [String] = []
            for item in items {
                guard let text = item.string else { throw invalid(key, "a list of values") }
                strings.append(text)
            }
            return strings
        case .scalar:
            return [try string(key)!]
        case .mapping:
            throw invalid(key, "a list of values")
        }
    }

    /// A positive number (of seconds, say); nil when the file does not set it.
    package func positiveNumber(_ key: String) throws(Failure) -> Double? {
        guard let text = try string(key) else { return nil }
        guard let number = Double(text), number > 0, number.isFinite else { throw invalid(key, "a positive number") }
        return number
    }
}
