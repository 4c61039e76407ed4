import Glibc
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

@Suite("Socket activation environment")
struct SocketActivationEnvironmentTests {
    private let pid = getpid()

    @Test("nothing passed, or passed to another process: no sockets")
    func nothingForUs() throws {
        #expect(try SocketActivation.fromEnvironment([:]).isEmpty)
        #expect(try SocketActivation.fromEnvironment(["LISTEN_PID": "1", "LISTEN_FDS": "2"]).isEmpty)
        #expect(try SocketActivation.fromEnvironment(["LISTEN_PID": "\(pid)", "LISTEN_FDS": "0"]).isEmpty)
    }

    @Test(
        "a malformed environment is an error that says what is wrong",
        arguments: [
            (["LISTEN_PID": "me", "LISTEN_FDS": "1"], "LISTEN_PID=me"),
            (["LISTEN_FDS": "-1"], "LISTEN_FDS=-1"),
            (["LISTEN_FDS": "many"], "LISTEN_FDS=many"),
            (["LISTEN_FDS": "1", "LISTEN_FDNAMES": "varlink:netlink"], "LISTEN_FDNAMES names 2"),
        ])
    func malformed(environment: [String: String], message: String) {
        var environment = environment
        if environment["LISTEN_PID"] == nil { environment["LISTEN_PID"] = "\(pid)" }
        #expect {
            try SocketActivation.fromEnvironment(environment)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
