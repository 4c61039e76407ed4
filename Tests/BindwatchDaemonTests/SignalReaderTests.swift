import Glibc
import Testing

@testable import BindwatchDaemon

@Suite("Signal reader", .timeLimit(.minutes(1)))
struct SignalReaderTests {
    @Test("a descriptor the event loop cannot watch is an error that names the signals, not a quiet end")
    func registrationFailure() async throws {
        // A regular file: NIO's pipe channel refuses it, as it would a signalfd it could not watch.
        let descriptor = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        let reader = SignalReader(signalNumbers: [SIGHUP], descriptor: descriptor)
        let error = await #expect(throws: SignalReader.RegistrationError.self) {
            _ = try await reader.signals()
        }
        #expect(error?.signalNumbers == [SIGHUP])
    }
}
