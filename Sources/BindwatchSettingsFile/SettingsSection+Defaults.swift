extension SettingsSection {
    /// `$CONFIGURATION_DIRECTORY/bindwatch.yaml` under a unit with `ConfigurationDirectory=`,
    /// else /etc/bindwatch/bindwatch.yaml: where bindwatchd looks.
    package static func defaultPath(environment: (String) -> String?) -> String {
        if let directory = environment("CONFIGURATION_DIRECTORY")?.split(separator: ":").first, !directory.isEmpty {
            return "\(directory)/bindwatch.yaml"
        }
        return defaultPath
    }
}
