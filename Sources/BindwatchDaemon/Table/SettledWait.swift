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
    private let answer = Mutex<Answer?>(nil)
    private let answered = OneShotSignal()

    init(id: UInt64, request: SettledWaitRequest, freshDump: UInt64) {
        self.id = id
        self.request = request
        self.freshDump = freshDump
    }

    /// What a settled set holds when the wait ends.
    public struct Answer: Sendable {
        /// Best first; never empty.
        public var bindable: [Address]
        /// Addresses of the set that failed DAD: they will not bind until re-added, and the
        /// client should hear of them rather than find out at bind().
        public var failed: [Address]
    }

    /// The answer once settled; nil if the calling task is cancelled first.
    public func settled() async -> Answer? {
        await answered.wait()
        return answer.withLock { $0 }
    }

    func complete(with answer: Answer) {
        self.answer.withLock { $0 = answer }
        answered.fire()
    }

    var isComplete: Bool { answered.hasFired }
}
