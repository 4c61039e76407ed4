import ArgumentParser
import BindwatchCore
import Glibc
import NIOPosix

// Synchronous entry: an async `main` would start on the global executor, which on Linux is a
// libdispatch pool that, once started, wakes the process every second. The daemon's tasks run
// on a NIO event loop instead (see EventLoopTaskExecutor), and this thread only waits.
let command: BindwatchdCommand
do {
    var parsed = try BindwatchdCommand.parseAsRoot()
    guard let daemon = parsed as? BindwatchdCommand else {
        // `--help` and `help` come back as ArgumentParser's own command: let it print.
        try parsed.run()
        BindwatchdCommand.exit()
    }
    command = daemon
} catch {
    BindwatchdCommand.exit(withError: error)
}
// Before any thread starts: SIGHUP, SIGTERM and SIGINT stay blocked everywhere and are read
// from signalfds.
let signals = Signals(
    reload: try? SignalReader([SIGHUP], threadName: "signal-reload"),
    termination: try? SignalReader([SIGTERM, SIGINT], threadName: "signal-stop"))
let executor = EventLoopTaskExecutor(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
let outcome = executor.runBlocking {
    try await command.runDaemon(signals: signals)
}
if case .failure(let error) = outcome {
    BindwatchdCommand.exit(withError: error)
}
