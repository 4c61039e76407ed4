import Synchronization

/// Connection counts, shared by the accept loop and GetStatus; also enforces the limits.
public final class ServerStatistics: Sendable {
    public struct Limits: Sendable {
        public var perUser: Int
        public var total: Int
        public static let standard = Limits(perUser: 1024, total: 4096)
    }

    private struct Counts {
        var total = 0
        var perUser: [UInt32: Int] = [:]
        /// Users already told about, so a flood of refused connections is logged once.
        var refusedUsers: Set<UInt32> = []
    }

    public enum Admission: Equatable {
        case admitted
        /// Refused; `firstTime` is true for the first refusal since the user was last under the limit.
        case refused(reason: String, firstTime: Bool)
    }

    let limits: Limits
    private let counts = Mutex(Counts())

    public init(limits: Limits = .standard) {
        self.limits = limits
    }

    public var connections: Int { counts.withLock { $0.total } }

    func admit(user: UInt32) -> Admission {
        counts.withLock { counts in
            let reason: String
            if counts.total >= limits.total {
                reason = "total connection limit (\(limits.total)) reached"
            } else if counts.perUser[user, default: 0] >= limits.perUser {
                reason = "per-user connection limit (\(limits.perUser)) reached"
            } else {
                counts.total += 1
                counts.perUser[user, default: 0] += 1
                counts.refusedUsers.remove(user)
                return .admitted
            }
            let firstTime = counts.refusedUsers.insert(user).inserted
            return .refused(reason: reason, firstTime: firstTime)
        }
    }

    func release(user: UInt32) {
        counts.withLock { counts in
            counts.total -= 1
            let remaining = counts.perUser[user, default: 1] - 1
            counts.perUser[user] = remaining > 0 ? remaining : nil
        }
    }
}
