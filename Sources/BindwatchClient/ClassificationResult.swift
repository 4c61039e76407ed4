/// What `Classify` says an address is (and `Explain` says of the address it explains): the
/// interface's `Classification` type, read field by field. Not the classifier's own
/// `Classification`: that one can only be computed from an address, by this build's
/// registries and rules; this is the daemon's answer as sent, which a client built from
/// another version must read as it is.
public struct ClassificationResult: Sendable, Equatable {
    /// An IANA special-purpose registry row the address falls in.
    public struct SpecialPurpose: Sendable, Equatable {
        public var prefix: String
        public var name: String
        public var rfc: String
        /// The registry's columns; nil where the registry says "N/A".
        public var source: Bool?
        public var destination: Bool?
        public var forwardable: Bool?
        public var globallyReachable: Bool?
        public var reservedByProtocol: Bool?
    }

    /// What Linux's `__ipv6_addr_type()` returns, and whether its type-level check accepts
    /// the address as a route gateway.
    public struct KernelView: Sendable, Equatable {
        public var typeBits: Int
        public var gatewayAccepted: Bool
    }

    /// The canonical text, with the zone the call gave.
    public var address: String
    public var family: AddressFamily
    public var type: AddressType
    /// RFC 4291's scope, derived from the address (not the kernel's `ifa_scope`).
    public var scope: String
    /// IPv6 only: inside IANA's allocated 2000::/3.
    public var ianaGlobalUnicast: Bool?
    public var special: SpecialPurpose?
    public var globallyReachable: Bool
    public var kernel: KernelView?
    /// The 2.6.2x-2.6.3x kernels' view.
    public var legacyKernel: KernelView?
    /// RFC 6724's default policy table.
    public var precedence: Int
    public var label: Int

    package init(fields: ReplyFields) throws(WireError) {
        address = try fields.string("address")
        guard let family = AddressFamily(name: try fields.string("family")) else {
            throw WireError(field: "family", problem: "neither inet nor inet6")
        }
        self.family = family
        guard let type = AddressType(rawValue: try fields.string("type")) else {
            throw WireError(field: "type", problem: "not an address type this client knows")
        }
        self.type = type
        scope = try fields.string("scope")
        ianaGlobalUnicast = try fields.optionalBool("ianaGlobalUnicast")
        if let row = try fields.optionalObject("special") {
            special = SpecialPurpose(
                prefix: try row.string("prefix"), name: try row.string("name"), rfc: try row.string("rfc"),
                source: try row.optionalBool("source"), destination: try row.optionalBool("destination"),
                forwardable: try row.optionalBool("forwardable"),
                globallyReachable: try row.optionalBool("globallyReachable"),
                reservedByProtocol: try row.optionalBool("reservedByProtocol"))
        }
        globallyReachable = try fields.bool("globallyReachable")
        kernel = try Self.kernelView(fields, "kernel")
        legacyKernel = try Self.kernelView(fields, "legacyKernel")
        precedence = try fields.integer("precedence")
        label = try fields.integer("label")
    }

    private static func kernelView(_ fields: ReplyFields, _ name: String) throws(WireError) -> KernelView? {
        guard let view = try fields.optionalObject(name) else { return nil }
        return KernelView(typeBits: try view.integer("typeBits"), gatewayAccepted: try view.bool("gatewayAccepted"))
    }
}
