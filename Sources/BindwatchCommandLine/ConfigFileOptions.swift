import ArgumentParser

/// `--config`: the settings file that bindwatch-dispatch and bindwatch-metrics read their
/// sections of.
public struct ConfigFileOptions: ParsableArguments, Sendable {
    @Option(help: "Config file (default: $CONFIGURATION_DIRECTORY/bindwatch.yaml or /etc/bindwatch/bindwatch.yaml).")
    public var config: String?

    public init() {}
}
