/// One row of an IANA Special-Purpose Address Registry (RFC 6890, with the
/// "Globally Reachable" column as renamed by RFC 8190).
///
/// A nil flag means the registry has no True/False there: either "N/A" or,
/// for terminated rows, an empty cell.
public struct SpecialPurpose: PrefixTableRow, Hashable, Sendable {
    /// The block exactly as the registry writes it, e.g. `::ffff:0:0/96`.
    public let prefix: String

    /// The same block, parsed.
    public let network: IPPrefix

    /// The registry's name for the block, e.g. "Documentation" or "TEREDO".
    public let name: String

    /// The registry's references, e.g. "RFC 4380; RFC 8190".
    public let rfc: String

    /// Set on rows the registry has terminated (deprecated blocks).
    public let terminationDate: String?

    /// Valid as a source address.
    public let source: Bool?
    /// Valid as a destination address.
    public let destination: Bool?
    /// A router may forward packets to it.
    public let forwardable: Bool?
    /// Packets to it may be forwarded beyond the administrative domain.
    public let globallyReachable: Bool?
    /// Reserved by IP itself rather than by a protocol on top.
    public let reservedByProtocol: Bool?

    public init(
        prefix: String, name: String, rfc: String, terminationDate: String? = nil,
        source: Bool?, destination: Bool?, forwardable: Bool?, globallyReachable: Bool?,
        reservedByProtocol: Bool?
    ) throws(InvalidAddress) {
        self.prefix = prefix
        self.network = try IPPrefix(prefix)
        self.name = name
        self.rfc = rfc
        self.terminationDate = terminationDate
        self.source = source
        self.destination = destination
        self.forwardable = forwardable
        self.globallyReachable = globallyReachable
        self.reservedByProtocol = reservedByProtocol
    }

    /// A registry row in table shorthand. `flags` holds the five columns in
    /// registry order (Source, Destination, Forwardable, Globally Reachable,
    /// Reserved-by-Protocol), each `T` (True), `F` (False), `N` (N/A) or `-`
    /// (empty cell), so rows read like the registry.
    init(_ prefix: String, _ name: String, _ rfc: String, _ flags: String, terminated: String? = nil) {
        let values: [Bool?] = flags.map { flag in
            switch flag {
            case "T": true
            case "F": false
            case "N", "-": nil
            default: preconditionFailure("bad flag \(flag) for \(prefix)")
            }
        }
        precondition(values.count == 5, "five flags needed for \(prefix)")
        do {
            try self.init(
                prefix: prefix, name: name, rfc: rfc, terminationDate: terminated,
                source: values[0], destination: values[1], forwardable: values[2],
                globallyReachable: values[3], reservedByProtocol: values[4])
        } catch {
            preconditionFailure("bad table entry: \(error)")
        }
    }
}
