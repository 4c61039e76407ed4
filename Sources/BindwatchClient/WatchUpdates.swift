import BindwatchModel
import BindwatchVarlink

/// What a `Watch` yields: the snapshot once, then each change, in generation order.
public enum WatchUpdate: Sendable {
    case snapshot(generation: UInt64, addresses: [Address])
    case event(TableEvent)
}

/// The updates of a `Watch` call, read from its connection. Ends when the daemon ends the
/// stream (`nil`), or throws its error (`TooManyCalls`, a closed connection).
public struct WatchUpdates: AsyncSequence {
    public typealias Element = WatchUpdate
    let handle: VarlinkConnectionHandle

    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: VarlinkConnectionHandle
        var snapshot: SnapshotParts? = SnapshotParts()

        public mutating func next() async throws -> WatchUpdate? {
            while let reply = try await handle.nextReply() {
                if snapshot != nil {
                    if let complete = try snapshot!.add(reply.parameters) {
                        snapshot = nil
                        return .snapshot(generation: complete.generation, addresses: complete.addresses)
                    }
                    continue
                }
                guard let event = reply.parameters["event"] else {
                    throw WireError(field: "event", problem: "missing")
                }
                return .event(try Self.event(event))
            }
            return nil
        }

        static func event(_ json: JSONValue) throws(WireError) -> TableEvent {
            guard case .string(let type)? = json["type"], let kind = TableEvent.Kind(rawValue: type) else {
                throw WireError(field: "event.type", problem: "not added, changed or removed")
            }
            guard case .number(let number)? = json["generation"], let generation = UInt64(exactly: number) else {
                throw WireError(field: "event.generation", problem: "missing or not an integer")
            }
            guard let address = json["address"] else { throw WireError(field: "event.address", problem: "missing") }
            return TableEvent(kind: kind, generation: generation, address: try Address(json: address))
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}
