extension AddressTable {
    /// The addresses matching `filter`, in preference order.
    public func addresses(matching filter: AddressFilter) -> [Address] {
        let now = MonotonicInstant.now()
        var result: [Address] = []
        for entry in links.values {
            if let interface = filter.interface, entry.link.name != interface { continue }
            for (key, record) in entry.addresses {
                if let family = filter.family, key.local.family != family { continue }
                if !filter.includesUnbindable && !record.reasons.isEmpty { continue }
                result.append(entry.published(key, record, now: now))
            }
        }
        PreferenceOrder.sort(&result)
        return result
    }

    /// The link a zone (`fe80::1%eth0`, `fe80::1%2`) names, read as getaddrinfo reads a
    /// scope: the link of that name, else the link whose index the zone is. `Explain` and
    /// `Wait` both read zones through it.
    public func link(zone: String) -> Link? {
        if let named = links.values.first(where: { $0.link.name == zone }) { return named.link }
        if let ifindex = Int32(zone), let indexed = links[ifindex] { return indexed.link }
        return nil
    }

    /// Every copy of `target`, one per link it is on (on the link `zone` names, if given),
    /// best first: what `Explain` explains, without listing the table.
    public func copies(of target: IPAddress, zone: String?) -> [Address] {
        let now = MonotonicInstant.now()
        let zoneLink: Int32?
        if let zone {
            guard let link = link(zone: zone) else { return [] }
            zoneLink = link.index
        } else {
            zoneLink = nil
        }
        var found: [Address] = []
        for entry in links.values {
            if let zoneLink, entry.link.index != zoneLink { continue }
            for (key, record) in entry.addresses where key.local == target {
                found.append(entry.published(key, record, now: now))
            }
        }
        PreferenceOrder.sort(&found)
        return found
    }

    /// Whether the request's set holds no address in DAD and at least one bindable address of
    /// the scope it asks for. Links in `linksAwaitingDump` may hold addresses the table has
    /// not seen yet, so a set that includes one is not settled.
    public func isSettled(_ request: SettledWaitRequest, linksAwaitingDump: Set<Int32>) -> Bool {
        let widestRank = request.widestAcceptedRank
        var hasBindable = false
        for entry in links.values {
            if let interface = request.interface, entry.link.name != interface { continue }
            if linksAwaitingDump.contains(entry.link.index) { return false }
            if let address = request.address {
                for (key, record) in entry.addresses
                where key.local == address && request.matches(family: key.local.family, local: key.local) {
                    if record.isPending { return false }
                    if record.reasons.isEmpty && SettlementCounts.rank(of: record) <= widestRank { hasBindable = true }
                }
            } else {
                if entry.counts.pending(family: request.family) > 0 { return false }
                if entry.counts.bindable(family: request.family, widestRank: widestRank) > 0 { hasBindable = true }
            }
        }
        return hasBindable
    }

    /// The bindable addresses of the request's set, best first.
    public func bindableAddresses(of request: SettledWaitRequest) -> [Address] {
        addresses(of: request) { $0.reasons.isEmpty }
    }

    /// The addresses of the request's set still in DAD.
    public func pendingAddresses(of request: SettledWaitRequest) -> [Address] {
        addresses(of: request) { $0.isPending }
    }

    /// The addresses of the request's set that failed DAD, of the scope it asks for: they
    /// never bind until re-added, and a wait that ends without them should say so.
    public func failedAddresses(of request: SettledWaitRequest) -> [Address] {
        let widestRank = request.widestAcceptedRank
        return addresses(of: request) {
            $0.flags.contains(.dadFailed) && SettlementCounts.rank(of: $0) <= widestRank
        }
    }

    /// Up to `limit` addresses of the request's set, of the scope it asks for, that neither bind
    /// nor wait for DAD, best first: with their reasons, why a wait went unanswered.
    public func unbindableAddresses(of request: SettledWaitRequest, limit: Int) -> [Address] {
        let widestRank = request.widestAcceptedRank
        return Array(
            addresses(of: request) {
                !$0.reasons.isEmpty && !$0.isPending && SettlementCounts.rank(of: $0) <= widestRank
            }
            .prefix(limit))
    }

    /// The addresses of the set that pass `include`, best first. Loopback and host-scope ones
    /// only when the request names them.
    private func addresses(of request: SettledWaitRequest, where include: (AddressRecord) -> Bool) -> [Address] {
        let now = MonotonicInstant.now()
        let hostRank = KernelScope.host.breadthRank
        var result: [Address] = []
        for entry in links.values {
            if let interface = request.interface, entry.link.name != interface { continue }
            for (key, record) in entry.addresses
            where request.matches(family: key.local.family, local: key.local) && include(record) {
                if !request.namesItsAddresses && SettlementCounts.rank(of: record) >= hostRank { continue }
                result.append(entry.published(key, record, now: now))
            }
        }
        PreferenceOrder.sort(&result)
        return result
    }
}
