import BindwatchModel

/// A reply the client could not read as the interface describes it.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the reply: `addresses[3].flags`, for example.
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}

extension Address {
    /// Reads the varlink `Address` type, as `write(to:)` writes it.
    public init(json: JSONValue) throws(WireError) {
        guard case .object(let object) = json else { throw WireError(field: "address", problem: "not an object") }
        let fields = ReplyFields(object)
        guard let family = AddressFamily(name: try fields.string("family")) else {
            throw WireError(field: "family", problem: "neither inet nor inet6")
        }
        guard let local = try? IPAddress(try fields.string("address")), local.family == family else {
            throw WireError(field: "address", problem: "not an \(family.name) address")
        }
        var peer: IPAddress?
        if let text = try fields.optionalString("peer") {
            guard let parsed = try? IPAddress(text), parsed.family == family else {
                throw WireError(field: "peer", problem: "not an \(family.name) address")
            }
            peer = parsed
        }
        let prefixLength = try fields.integer("prefixLength") as UInt8
        let ifindex = try fields.integer("ifindex") as Int32
        guard let scope = KernelScope(name: try fields.string("scope")) else {
            throw WireError(field: "scope", problem: "not a scope")
        }
        guard let type = AddressType(rawValue: try fields.string("type")) else {
            throw WireError(field: "type", problem: "not an address type")
        }
        guard let flags = AddressFlags(names: try fields.strings("flags"), family: family) else {
            throw WireError(field: "flags", problem: "an unknown flag")
        }
        guard let reasons = Reasons(names: try fields.strings("reasons")) else {
            throw WireError(field: "reasons", problem: "an unknown reason")
        }
        let preferred = try fields.optionalInteger("preferredLifetime") as UInt32?
        let valid = try fields.optionalInteger("validLifetime") as UInt32?
        // IPv4's identity holds the prefix length and IFA_ADDRESS: the peer, else the address.
        let key = AddressKey(
            ifindex: ifindex, local: local, prefixLength: family == .inet ? prefixLength : 0,
            remote: family == .inet ? (peer ?? local) : nil)
        guard try fields.string("id") == key.id else {
            throw WireError(field: "id", problem: "does not match the address's other fields")
        }
        self.init(
            key: key, prefixLength: prefixLength, interface: try fields.string("interface"), scope: scope, flags: flags,
            peer: peer, label: try fields.optionalString("label"),
            lifetimes: preferred == nil && valid == nil ? nil : AddressLifetimes(preferred: preferred, valid: valid),
            reasons: reasons, type: type, precedence: UInt8(clamping: local.precedence))
    }
}
