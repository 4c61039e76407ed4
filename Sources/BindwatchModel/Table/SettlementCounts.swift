/// Per link, what settled waits need to know without visiting every address: how many are
/// in DAD, and how many bind, by family and scope.
package struct SettlementCounts: Sendable {
    package init() {}

    /// By family (inet, inet6).
    package private(set) var pending: InlineArray<2, Int32> = .init(repeating: 0)
    /// By family and breadth rank (global, site, link, host, nowhere). Loopback addresses
    /// count as host scope whatever the kernel says, since they never leave the host.
    package private(set) var bindable: InlineArray<10, Int32> = .init(repeating: 0)

    package static func familyIndex(_ family: AddressFamily) -> Int { family == .inet ? 0 : 1 }

    package static func rank(of record: AddressRecord) -> Int {
        record.type == .loopback
            ? max(record.scope.breadthRank, KernelScope.host.breadthRank) : record.scope.breadthRank
    }

    package mutating func count(_ record: AddressRecord, family: AddressFamily, adding: Bool) {
        let delta: Int32 = adding ? 1 : -1
        let familyIndex = Self.familyIndex(family)
        if record.isPending { pending[familyIndex] += delta }
        if record.reasons.isEmpty { bindable[familyIndex * 5 + Self.rank(of: record)] += delta }
    }

    package func pending(family: AddressFamily?) -> Int32 {
        family.map { pending[Self.familyIndex($0)] } ?? pending[0] + pending[1]
    }

    /// Bindable addresses of `family` (nil: both) with a breadth rank of at most `widestRank`.
    package func bindable(family: AddressFamily?, widestRank: Int) -> Int32 {
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
    package var isPending: Bool {
        flags.contains(.tentative) && !flags.contains(.dadFailed) && reasons.isDisjoint(with: Reasons.notAwaited)
    }
}

extension Reasons {
    /// Reasons that make DAD irrelevant to a settled wait: on a link that is down DAD cannot
    /// run, and an excluded address is never published as bindable whatever DAD says.
    package static let notAwaited: Reasons = [.linkDown, .interfaceExcluded, .familyExcluded, .typeExcluded]
}
