import ArgumentParser
import BindwatchDaemon
import BindwatchNetlink
import BindwatchVarlink
import EventLoopConcurrency
import Glibc
import NIOCore
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
// from signalfds. Without them the daemon would fall back on libdispatch's signal handling and
// its idle wake-ups: refuse to start instead.
let signals: Signals
do {
    signals = Signals(reload: try SignalReader([SIGHUP]), termination: try SignalReader([SIGTERM, SIGINT]))
} catch {
    let message = "bindwatchd: cannot read signals from a signalfd: \(error)\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(71)  // EX_OSERR
}
// One event loop thread for the whole daemon: netlink, the table, the clients and the timers
// (see LiveTable). Set before anything uses the singleton group.
NIOSingletons.groupLoopCountSuggestion = 1
let executor = EventLoopTaskExecutor(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
let outcome = executor.runBlocking {
    try await command.runDaemon(signals: signals)
}
if case .failure(let error) = outcome {
    BindwatchdCommand.exit(withError: error)
}
