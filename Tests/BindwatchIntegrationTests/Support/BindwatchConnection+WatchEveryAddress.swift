import BindwatchClient

extension BindwatchConnection {
    /// A Watch of every address, bindable or not, with its snapshot already read: the
    /// iterator is at the first event.
    func watchEveryAddress() async throws -> (updates: WatchUpdates.AsyncIterator, snapshot: [Address]) {
        var updates = try await watch(AddressFilter(includesUnbindable: true)).makeAsyncIterator()
        guard case .snapshot(_, let snapshot)? = try await updates.next() else {
            throw DaemonFailure("the Watch did not start with its snapshot")
        }
        return (updates, snapshot)
    }
}
