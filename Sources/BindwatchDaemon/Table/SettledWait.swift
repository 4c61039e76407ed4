import BindwatchModel
import BindwatchVarlink
import EventLoopConcurrency
import Synchronization

/// A `Wait` with `settled: true`: it ends once no address of its filter is in DAD and at least
/// one is bindable (of at least `minimumScope`). A service started then binds every address
/// the answer lists; a Wait that ended at the first bindable address could release it while
/// another address was still tentative, and its bind() would fail with EADDRNOTAVAIL.
public struct SettledWaitRequest: Sendable, Equatable {
    public var family: AddressFamily?
    /// The link's current name.
    public var interface: String?
    /// One address; with it, the set is that address alone (on `interface`, if given).
    public var address: IPAddress?
    /// The completing bindable address must have at least this scope; nil: any.
    public var minimumScope: KernelScope?

    public init(
        family: AddressFamily? = nil, interface: String? = nil, address: IPAddress? = nil,
        minimumScope: KernelScope? = nil
    ) {
        self.family = family
        self.interface = interface
        self.address = address
        self.minimumScope = minimumScope
    }

    /// Loopback and host-scope addresses count only when the call names them, through
    /// `interface` or `address`: otherwise `lo` alone would settle every host at once.
    var namesItsAddresses: Bool { interface != nil || address != nil }

    /// The widest breadth rank (`KernelScope.breadthRank`) a completing address may have.
    var widestAcceptedRank: Int {
        if let minimumScope { return minimumScope.breadthRank }
        return namesItsAddresses ? KernelScope.nowhere.breadthRank : KernelScope.link.breadthRank
    }

    func matches(family: AddressFamily, local: IPAddress) -> Bool {
        (self.family == nil || self.family == family) && (address == nil || address == local)
    }
}

/// One settled wait registered with the table. The table completes it; the waiting call
/// races it against its timeout and its client, then ends it with `AddressTable.endSettledWait`.
public final class SettledWait: Sendable {
    let id: UInt64
    public let request: SettledWaitRequest
    /// The fresh address dump this wait needs before its answer can be trusted (see
    /// `AddressTable.registerSettledWait`).
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

/// Per link, what settled waits need to know without visiting every address: how many are
/// in DAD, and how many bind, by family and scope.
struct SettlementCounts: Sendable {
    /// By family (inet, inet6).
    private(set) var pending: InlineArray<2, Int32> = .init(repeating: 0)
    /// By family and breadth rank (global, site, link, host, nowhere). Loopback addresses
    /// count as host scope whatever the kernel says, since they never leave the host.
    private(set) var bindable: InlineArray<10, Int32> = .init(repeating: 0)

    static func familyIndex(_ family: AddressFamily) -> Int { family == .inet ? 0 : 1 }

    static func rank(of record: AddressRecord) -> Int {
        record.type == .loopback
            ? max(record.scope.breadthRank, KernelScope.host.breadthRank) : record.scope.breadthRank
    }

    mutating func count(_ record: AddressRecord, family: AddressFamily, adding: Bool) {
        let delta: Int32 = adding ? 1 : -1
        let familyIndex = Self.familyIndex(family)
        if record.isPending { pending[familyIndex] += delta }
        if record.reasons.isEmpty { bindable[familyIndex * 5 + Self.rank(of: record)] += delta }
    }

    func pending(family: AddressFamily?) -> Int32 {
        family.map { pending[Self.familyIndex($0)] } ?? pending[0] + pending[1]
    }

    /// Bindable addresses of `family` (nil: both) with a breadth rank of at most `widestRank`.
    func bindable(family: AddressFamily?, widestRank: Int) -> Int32 {
        var total: Int32 = 0
        for familyIndex in 0..<2 where family == nil || Self.familyIndex(family!) == familyIndex {
            for rank in 0...min(widestRank, 4) { total += bindable[familyIndex * 5 + rank] }
        }
        return total
    }
}

extension AddressRecord {
    /// In DAD: tentative (optimistic ones included) and not failed, where DAD can run (the
    /// link passes the link policy) and the policy does not exclude the address anyway.
    var isPending: Bool {
        flags.contains(.tentative) && !flags.contains(.dadFailed) && reasons.isDisjoint(with: Reasons.notAwaited)
    }
}

extension Reasons {
    /// Reasons that make DAD irrelevant to a settled wait: on a link that is down DAD cannot
    /// run, and an excluded address is never published as bindable whatever DAD says.
    static let notAwaited: Reasons = [.linkDown, .interfaceExcluded, .familyExcluded, .typeExcluded]
}
