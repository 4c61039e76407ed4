import BindwatchModel

/// An error reply: `{"error": "io.bindwatch.Timeout", "parameters": {...}}`.
public struct VarlinkError: Error, Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case addresses([Address])
    }

    public var name: String
    public var parameters: [(String, Value)]

    public init(_ name: String, _ parameters: [(String, Value)] = []) {
        self.name = name
        self.parameters = parameters
    }

    public static func == (lhs: VarlinkError, rhs: VarlinkError) -> Bool {
        lhs.name == rhs.name && lhs.parameters.elementsEqual(rhs.parameters) { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError("org.varlink.service.MethodNotFound", [("method", .string(method))])
    }

    public static func interfaceNotFound(_ interface: String) -> VarlinkError {
        VarlinkError("org.varlink.service.InterfaceNotFound", [("interface", .string(interface))])
    }

    public static func invalidParameter(_ parameter: String) -> VarlinkError {
        VarlinkError("org.varlink.service.InvalidParameter", [("parameter", .string(parameter))])
    }

    public static let expectedMore = VarlinkError("org.varlink.service.ExpectedMore")
    /// `pending`: what a settled wait still waited for, in DAD. `unbindable`: addresses of the
    /// wait's set that neither bind nor wait for DAD, each with its reasons.
    public static func timeout(pending: [Address], unbindable: [Address]) -> VarlinkError {
        VarlinkError(
            "io.bindwatch.Timeout",
            (pending.isEmpty ? [] : [("pending", .addresses(pending))])
                + (unbindable.isEmpty ? [] : [("unbindable", .addresses(unbindable))]))
    }
    public static let noSuchAddress = VarlinkError("io.bindwatch.NoSuchAddress")
    public static let permissionDenied = VarlinkError("io.bindwatch.PermissionDenied")

    /// A refused configuration: the key (when one is to blame), where the value came from,
    /// and what is wrong with it.
    public static func invalidConfiguration(key: String?, source: String, problem: String) -> VarlinkError {
        VarlinkError(
            "io.bindwatch.InvalidConfiguration",
            (key.map { [("key", Value.string($0))] } ?? []) + [
                ("source", .string(source)), ("problem", .string(problem)),
            ])
    }

    /// More calls were queued behind a Watch than a connection holds.
    public static func tooManyCalls(limit: Int) -> VarlinkError {
        VarlinkError("io.bindwatch.TooManyCalls", [("limit", .integer(limit))])
    }

    public static func tooLarge(addresses: Int) -> VarlinkError {
        VarlinkError("io.bindwatch.TooLarge", [("addresses", .integer(addresses))])
    }

    public static func protocolError(_ reason: String) -> VarlinkError {
        VarlinkError("io.bindwatch.ProtocolError", [("reason", .string(reason))])
    }

    public static func invalidAddress(_ reason: String) -> VarlinkError {
        VarlinkError("io.bindwatch.InvalidAddress", [("reason", .string(reason))])
    }
}
