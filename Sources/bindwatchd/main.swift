import ArgumentParser
import BindwatchCore
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
// Before any thread starts: SIGHUP stays blocked everywhere and is read from a signalfd.
let reloadSignal: ReloadSignal?
do {
    reloadSignal = try ReloadSignal()
} catch {
    reloadSignal = nil
}
let executor = EventLoopTaskExecutor(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
let outcome = executor.runBlocking {
    try await command.runDaemon(reloadSignal: reloadSignal)
}
if case .failure(let error) = outcome {
    BindwatchdCommand.exit(withError: error)
}
