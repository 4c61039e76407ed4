import BindwatchModel
import BindwatchVarlink

/// `GetStatus`: the daemon's counters.
public struct DaemonStatus: Sendable, Equatable {
    public var version: String
    public var uptimeSeconds: Double
    public var links: Int
    public var addresses: Int
    public var bindable: Int
    public var generation: UInt64
    public var netlinkMessages: Int
    public var malformedMessages: Int
    public var resyncs: Int
    public var synced: Bool
    public var subscribers: Int
    public var connections: Int
    /// nil when the event log is off.
    public var eventLog: String?
    public var eventLogLinesDropped: Int
    /// Seconds since the epoch.
    public var startTime: Double
    /// Addresses seen entering `dadfailed` since the daemon started.
    public var dadFailures: Int
    /// The table's changes since the daemon started.
    public var addressEvents: AddressEventCounts
    /// Addresses by family and state (bindable, or their first reason).
    public var addressStates: AddressStateCounts

    init(parameters: [String: JSONValue]) throws(WireError) {
        let reply = ReplyFields(parameters)
        version = try reply.string("version")
        uptimeSeconds = try reply.number("uptimeSeconds")
        links = try reply.integer("links")
        addresses = try reply.integer("addresses")
        bindable = try reply.integer("bindable")
        generation = try reply.integer("generation")
        netlinkMessages = try reply.integer("netlinkMessages")
        malformedMessages = try reply.integer("malformedMessages")
        resyncs = try reply.integer("resyncs")
        synced = try reply.bool("synced")
        subscribers = try reply.integer("subscribers")
        connections = try reply.integer("connections")
        eventLog = try reply.optionalString("eventLog")
        eventLogLinesDropped = try reply.integer("eventLogLinesDropped")
        startTime = try reply.number("startTime")
        dadFailures = try reply.integer("dadFailures")
        addressEvents = AddressEventCounts(
            added: try reply.integer("addressesAdded"), changed: try reply.integer("addressesChanged"),
            removed: try reply.integer("addressesRemoved"))
        addressStates = AddressStateCounts()
        guard case .array(let states)? = parameters["addressStates"] else {
            throw WireError(field: "addressStates", problem: "missing or not an array")
        }
        for (index, state) in states.enumerated() {
            do throws(WireError) {
                guard case .object(let object) = state else { throw WireError(field: "", problem: "not an object") }
                let fields = ReplyFields(object)
                guard let family = AddressFamily(name: try fields.string("family")) else {
                    throw WireError(field: "family", problem: "not inet or inet6")
                }
                addressStates.set(
                    family: family, state: try fields.string("state"), to: try fields.integer("addresses"))
            } catch {
                throw WireError(field: "addressStates[\(index)].\(error.field)", problem: error.problem)
            }
        }
    }
}

/// `Reload`'s answer.
public struct ReloadResult: Sendable, Equatable {
    /// Changes the new policy made to the table.
    public var addressEvents: Int
    /// Changed keys that take effect only after a restart, such as `socket.path`.
    public var restartRequired: [String]

    init(parameters: [String: JSONValue]) throws(WireError) {
        let reply = ReplyFields(parameters)
        addressEvents = try reply.integer("addressEvents")
        restartRequired = try reply.strings("restartRequired")
    }
}
