import BindwatchSettingsFile

/// bindwatch-metrics' settings: the config file's `metrics:` section, then
/// `BINDWATCH_METRICS_*` environment variables, then command-line options.
public struct MetricsSettings: Sendable {
    public struct Options: Sendable {
        public var configPath: String?
        public var textfile: String?
        public var interval: Double?

        public init(configPath: String? = nil, textfile: String? = nil, interval: Double? = nil) {
            self.configPath = configPath
            self.textfile = textfile
            self.interval = interval
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The textfile directory of Debian's prometheus-node-exporter (its
    /// `--collector.textfile.directory` default), for the unit.
    public static let debianTextfile = "/var/lib/prometheus/node-exporter/bindwatch.prom"
    public static let defaultInterval = 15.0

    /// The file `--keep-textfile` keeps current: Debian's textfile directory unless the file,
    /// the environment or `--textfile` says otherwise.
    public var textfile: String
    public var interval: Double

    public static func load(_ options: Options, environment: (String) -> String?) throws(Failure) -> MetricsSettings {
        var settings = MetricsSettings(textfile: debianTextfile, interval: defaultInterval)
        do {
            let file = try SettingsSection(
                path: options.configPath ?? SettingsSection.defaultPath(environment: environment), section: "metrics",
                keys: ["textfile", "interval"], required: options.configPath != nil)
            if let textfile = try file.string("textfile") { settings.textfile = textfile }
            if let interval = try file.positiveNumber("interval") { settings.interval = interval }
        } catch {
            throw Failure(description: error.description)
        }
        func set(_ name: String) -> String? { environment(name).flatMap { $0.isEmpty ? nil : $0 } }
        if let textfile = set("BINDWATCH_METRICS_TEXTFILE") { settings.textfile = textfile }
        if let text = set("BINDWATCH_METRICS_INTERVAL") {
            guard let interval = Double(text), interval > 0, interval.isFinite else {
                throw Failure(description: "invalid value for BINDWATCH_METRICS_INTERVAL: expected a positive number")
            }
            settings.interval = interval
        }
        if let textfile = options.textfile { settings.textfile = textfile }
        if let interval = options.interval { settings.interval = interval }
        return settings
    }
}
