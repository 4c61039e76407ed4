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
