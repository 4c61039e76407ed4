import BindwatchModel
import BindwatchVarlink
import EventLoopConcurrency
import Synchronization

/// One settled wait registered with the table. The table completes it; the waiting call
/// races it against its timeout and its client, then ends it with `LiveTable.endSettledWait`.
public final class SettledWait: Sendable {
    let id: UInt64
    public let request: SettledWaitRequest
    /// The fresh address dump this wait needs before its answer can be trusted (see
    /// `LiveTable.registerSettledWait`).
    let freshDump: UInt64
    private let answer = Mutex<[Address]?>(nil)
    private let answered = OneShotSignal()

    init(id: UInt64, request: SettledWaitRequest, freshDump: UInt64) {
        self.id = id
        self.request = request
        self.freshDump = freshDump
    }

    /// The bindable addresses, best first, once settled; nil if the calling task is cancelled first.
    public func settled() async -> [Address]? {
        await answered.wait()
        return answer.withLock { $0 }
    }

    func complete(with addresses: [Address]) {
        answer.withLock { $0 = addresses }
        answered.fire()
    }

    var isComplete: Bool { answered.hasFired }
}
