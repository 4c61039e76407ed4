import ArgumentParser
import BindwatchCommandLine
import BindwatchDispatch
import JournalLogging

// Synchronous, as bindwatchctl: the async work runs on a NIO event loop (EventLoopCommand).
@main
struct BindwatchDispatchCommand: EventLoopCommand {
    static let configuration = CommandConfiguration(
        commandName: "bindwatch-dispatch",
        abstract: "Run the programs in the dispatch directories whenever the bindable set changes.",
        discussion: """
            Runs once at start (argv[1] "startup"), then after every change to the bindable set \
            under the filter ("changed"), one program at a time in lexical order. Each gets \
            BINDWATCH_ACTION, BINDWATCH_GENERATION, BINDWATCH_ADDED, BINDWATCH_REMOVED, \
            BINDWATCH_BINDABLE, BINDWATCH_BINDABLE_INET, BINDWATCH_BINDABLE_INET6 and \
            BINDWATCH_INTERFACES, and the same as one JSON object on stdin. Settings come from the \
            config file's dispatch: section, then BINDWATCH_DISPATCH_DIRECTORIES (colon-separated), \
            BINDWATCH_DISPATCH_FAMILY, BINDWATCH_DISPATCH_INTERFACE and BINDWATCH_DISPATCH_TIMEOUT, \
            then these options. See the README.
            """)

    @OptionGroup var socket: SocketOptions

    @Option(
        name: .customLong("directory"),
        help: """
            A directory of programs; repeat for more, earlier ones override later ones (replaces \
            /etc/bindwatch/dispatch.d and PREFIX/lib/bindwatch/dispatch.d).
            """)
    var directories: [String] = []

    @OptionGroup var filter: FilterOptions

    @Option(help: "Seconds a program may run before it gets SIGTERM (SIGKILL 5 s later). Default 30.")
    var timeout: Double?

    @OptionGroup var configFile: ConfigFileOptions

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be positive") }
    }

    func runOnEventLoop() async throws {
        let settings: DispatchSettings
        do {
            settings = try DispatchSettings.load(
                DispatchSettings.Options(
                    configPath: configFile.config, directories: directories, family: filter.family.family,
                    interface: filter.interface, timeout: timeout),
                environment: ClientEnvironment().lookup)
        } catch {
            throw CommandFailure(error.description, exitCode: 78)  // EX_CONFIG
        }
        let logger = CommandLogging.logger(label: "bindwatch-dispatch")
        let dispatcher = Dispatcher(
            configuration: Dispatcher.Configuration(
                socketPath: socket.socketPath, directories: settings.directories, filter: settings.filter,
                timeout: .milliseconds(Int64(settings.timeout * 1000))),
            environment: Dispatcher.processEnvironment, logger: logger)
        try await dispatcher.run()
    }
}
