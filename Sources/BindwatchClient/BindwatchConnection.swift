import BindwatchModel
import BindwatchVarlink

/// A connection to bindwatchd with one async method per `io.bindwatch` call, in the model's
/// types. Calls on one connection are answered in order; use one connection per task.
///
/// ```swift
/// try await BindwatchConnection.withConnection { bindwatch in
///     for try await update in try await bindwatch.watch(AddressFilter(family: .inet6)) { … }
/// }
/// ```
public struct BindwatchConnection {
    /// The daemon's socket when neither an argument nor `BINDWATCH_SOCKET` names another.
    public static let defaultSocketPath = "/run/bindwatch/io.bindwatch"

    /// The untyped connection underneath, for calls this type does not cover.
    public let handle: VarlinkConnectionHandle

    public init(handle: VarlinkConnectionHandle) {
        self.handle = handle
    }

    /// Connects, runs `body`, and closes. A daemon that is not there throws
    /// `VarlinkClient.ConnectionFailure`; `replyTimeout` bounds the wait for each reply, and
    /// for a place in a full listen queue (10 seconds without it).
    public static func withConnection<Result: Sendable>(
        socketPath: String = defaultSocketPath, replyTimeout: Double? = nil,
        _ body: (BindwatchConnection) async throws -> Result
    ) async throws -> Result {
        try await VarlinkClient.withConnection(
            socketPath: socketPath, connectTimeout: replyTimeout.map { .seconds($0) } ?? .seconds(10)
        ) { handle in
            handle.replyTimeout = replyTimeout
            return try await body(BindwatchConnection(handle: handle))
        }
    }

    /// `List`: the addresses `filter` selects, in preference order, streamed in parts so that
    /// a table of any size fits.
    public func list(_ filter: AddressFilter = AddressFilter()) async throws -> (
        generation: UInt64, addresses: [Address]
    ) {
        try await handle.send(method: "io.bindwatch.List", more: true) { filter.write(to: &$0) }
        var snapshot = SnapshotParts()
        while let reply = try await handle.nextReply() {
            if let complete = try snapshot.add(reply.parameters) { return complete }
            guard reply.continues else { break }
        }
        throw WireError(field: "snapshotComplete", problem: "the replies ended before the snapshot did")
    }

    /// `Watch`: the snapshot, then every change to what `filter` selects, until the daemon or
    /// the caller ends it.
    public func watch(_ filter: AddressFilter = AddressFilter()) async throws -> WatchUpdates {
        try await handle.send(method: "io.bindwatch.Watch", more: true) { filter.write(to: &$0) }
        return WatchUpdates(handle: handle)
    }

    /// `Wait`: returns when the request is met; a timeout throws `WaitTimedOut`, which names
    /// what DAD still holds up and what does not bind, and why.
    public func wait(_ request: WaitRequest) async throws -> WaitResult {
        try await handle.send(method: "io.bindwatch.Wait") { request.write(to: &$0) }
        let parameters: [String: JSONValue]
        do {
            parameters = try await singleReply()
        } catch let error as VarlinkClient.CallError where error.name == "io.bindwatch.Timeout" {
            throw WaitTimedOut(
                pending: try Self.addresses(error.parameters["pending"] ?? .array([]), field: "pending"),
                unbindable: try Self.addresses(error.parameters["unbindable"] ?? .array([]), field: "unbindable"))
        }
        guard let address = parameters["address"] else { throw WireError(field: "address", problem: "missing") }
        let all: [Address]? =
            if let addresses = parameters["addresses"] { try Self.addresses(addresses, field: "addresses") } else {
                nil
            }
        return WaitResult(
            address: try Address(json: address), addresses: all,
            failed: try Self.addresses(parameters["failed"] ?? .array([]), field: "failed"))
    }

    /// `GetStatus`.
    public func status() async throws -> DaemonStatus {
        try await handle.send(method: "io.bindwatch.GetStatus")
        return try DaemonStatus(parameters: try await singleReply())
    }

    /// `Reload`: rereads the daemon's settings (root or the daemon's own user only).
    public func reload() async throws -> ReloadResult {
        try await handle.send(method: "io.bindwatch.Reload")
        return try ReloadResult(parameters: try await singleReply())
    }

    /// `Classify`: what any address is, and the same in a few sentences.
    public func classify(_ address: String) async throws -> (classification: ClassificationResult, explanation: String)
    {
        try await handle.send(method: "io.bindwatch.Classify") { $0.field("address", address) }
        let fields = ReplyFields(try await singleReply())
        return (try ClassificationResult(fields: fields), try fields.string("explanation"))
    }

    /// `Explain`: every copy of an address of this host, with each reason and its source.
    public func explain(_ address: String) async throws -> Explanation {
        try await handle.send(method: "io.bindwatch.Explain") { $0.field("address", address) }
        return try Explanation(parameters: try await singleReply())
    }

    private func singleReply() async throws -> [String: JSONValue] {
        guard let reply = try await handle.nextReply() else {
            throw WireError(field: "reply", problem: "the daemon closed the connection without one")
        }
        return reply.parameters
    }

    static func addresses(_ value: JSONValue, field: String) throws(WireError) -> [Address] {
        guard case .array(let values) = value else { throw WireError(field: field, problem: "not an array") }
        var addresses: [Address] = []
        addresses.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            do {
                addresses.append(try Address(json: value))
            } catch {
                throw WireError(field: "\(field)[\(index)].\(error.field)", problem: error.problem)
            }
        }
        return addresses
    }
}

extension AddressFilter {
    /// `family`, `interface` and `all`, as `List` and `Watch` take them.
    func write(to json: inout JSONWriter) {
        writeSelection(to: &json)
        if includesUnbindable { json.field("all", true) }
    }

    /// `family` and `interface` alone, as `Wait` takes them.
    func writeSelection(to json: inout JSONWriter) {
        if let family { json.field("family", family.name) }
        if let interface { json.field("interface", interface) }
    }
}
