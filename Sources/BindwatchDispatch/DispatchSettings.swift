import BindwatchClient
import BindwatchSettingsFile

/// The dispatcher's settings: the config file's `dispatch:` section, then `BINDWATCH_DISPATCH_*`
/// environment variables, then command-line options; later ones win, as for bindwatchd.
public struct DispatchSettings: Sendable {
    /// What the command line gave; nil (or empty) where it gave nothing.
    public struct Options: Sendable {
        public var configPath: String?
        public var directories: [String] = []
        public var family: AddressFamily?
        public var interface: String?
        public var timeout: Double?

        public init(
            configPath: String? = nil, directories: [String] = [], family: AddressFamily? = nil,
            interface: String? = nil, timeout: Double? = nil
        ) {
            self.configPath = configPath
            self.directories = directories
            self.family = family
            self.interface = interface
            self.timeout = timeout
        }
    }

    /// A setting that cannot be used; the text names the key and where it came from.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static let defaultTimeout = 30.0

    public var directories: [String]
    public var filter: AddressFilter
    public var timeout: Double

    public static func load(_ options: Options, environment: (String) -> String?) throws(Failure) -> DispatchSettings {
        let file: SettingsSection
        do {
            file = try SettingsSection(
                path: options.configPath ?? SettingsSection.defaultPath(environment: environment), section: "dispatch",
                keys: ["directories", "family", "interface", "timeout"], required: options.configPath != nil)
        } catch {
            throw Failure(description: error.description)
        }
        func set(_ name: String) -> String? { environment(name).flatMap { $0.isEmpty ? nil : $0 } }

        var settings = DispatchSettings(
            directories: Dispatcher.defaultDirectories, filter: AddressFilter(), timeout: defaultTimeout)
        let familyName: String?
        do {
            if let directories = try file.strings("directories") { settings.directories = directories }
            familyName = try file.string("family")
            if let interface = try file.string("interface") { settings.filter.interface = interface }
            if let timeout = try file.positiveNumber("timeout") { settings.timeout = timeout }
        } catch {
            throw Failure(description: error.description)
        }
        if let familyName {
            guard let family = AddressFamily(name: familyName) else {
                throw Failure(
                    description: "invalid value for dispatch.family in config file \(file.path): expected inet or inet6"
                )
            }
            settings.filter.family = family
        }

        if let list = set("BINDWATCH_DISPATCH_DIRECTORIES") {
            settings.directories = list.split(separator: ":").map(String.init)
        }
        if let name = set("BINDWATCH_DISPATCH_FAMILY") {
            guard let family = AddressFamily(name: name) else {
                throw Failure(description: "invalid value for BINDWATCH_DISPATCH_FAMILY: expected inet or inet6")
            }
            settings.filter.family = family
        }
        if let interface = set("BINDWATCH_DISPATCH_INTERFACE") { settings.filter.interface = interface }
        if let text = set("BINDWATCH_DISPATCH_TIMEOUT") {
            guard let timeout = Double(text), timeout > 0, timeout.isFinite else {
                throw Failure(description: "invalid value for BINDWATCH_DISPATCH_TIMEOUT: expected a positive number")
            }
            settings.timeout = timeout
        }

        if !options.directories.isEmpty { settings.directories = options.directories }
        if let family = options.family { settings.filter.family = family }
        if let interface = options.interface { settings.filter.interface = interface }
        if let timeout = options.timeout { settings.timeout = timeout }
        return settings
    }
}
