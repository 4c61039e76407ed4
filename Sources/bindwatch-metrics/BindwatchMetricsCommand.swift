import ArgumentParser
import BindwatchClient
import BindwatchCommandLine
import BindwatchMetrics
import JournalLogging

// Synchronous, as bindwatchctl: the async work runs on a NIO event loop (EventLoopCommand).
@main
struct BindwatchMetricsCommand: EventLoopCommand {
    static let configuration = CommandConfiguration(
        commandName: "bindwatch-metrics",
        abstract: "Print the daemon's state for Prometheus, or keep a node_exporter textfile current.",
        discussion: """
            Without options, prints the metrics once in Prometheus' text format. With --textfile \
            or --keep-textfile, runs until stopped: the file is replaced (atomically) soon after \
            an address changes, after --interval seconds if only a counter changed, and not \
            rewritten while nothing changes; while bindwatchd does not answer it says \
            bindwatch_up 0. The file and the interval come from the config file's metrics: \
            section, then BINDWATCH_METRICS_TEXTFILE and BINDWATCH_METRICS_INTERVAL, then these \
            options. See the README.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Keep this file current for node_exporter's textfile collector.")
    var textfile: String?

    @Flag(
        help: """
            Keep the configured file current (metrics.textfile; default \(MetricsSettings.debianTextfile), \
            the textfile directory of Debian's prometheus-node-exporter).
            """)
    var keepTextfile = false

    @Option(help: "Seconds between reads of the counters while no address changes. Default 15.")
    var interval: Double?

    @OptionGroup var configFile: ConfigFileOptions

    func validate() throws {
        if let interval, !(interval > 0) { throw ValidationError("--interval must be positive") }
    }

    func runOnEventLoop() async throws {
        guard keepTextfile || textfile != nil else {
            let status = try await connection.withConnection { handle in
                try await BindwatchConnection(handle: handle).status()
            }
            StandardStream.writeOutput(MetricsExposition.render(status))
            return
        }
        let settings: MetricsSettings
        do {
            settings = try MetricsSettings.load(
                MetricsSettings.Options(configPath: configFile.config, textfile: textfile, interval: interval),
                environment: ClientEnvironment().lookup)
        } catch {
            throw CommandFailure(error.description, exitCode: 78)  // EX_CONFIG
        }
        let exporter = MetricsExporter(
            socketPath: connection.socketPath, textfilePath: settings.textfile,
            interval: .milliseconds(Int64(settings.interval * 1000)),
            logger: CommandLogging.logger(label: "bindwatch-metrics"))
        do {
            try await exporter.run()
        } catch let error as TextfileError {
            throw CommandFailure(error.description, exitCode: 73)  // EX_CANTCREAT
        }
    }
}
