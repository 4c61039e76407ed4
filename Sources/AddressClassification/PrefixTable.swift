/// Rows keyed by address block, answering longest-prefix-match lookups:
/// "the most specific row wins", as the IANA registries and RFC 6724's
/// policy table both require.
///
/// Rows are hashed per prefix length and probed from the longest length
/// down, so a lookup costs one hash probe per distinct length.
public struct PrefixTable<Row: PrefixTableRow & Sendable>: Sendable {
    /// The rows in the order given.
    public let rows: [Row]

    private let rowsByLength: [(length: Int, rows: [IPAddress: Row])]

    /// Builds the index; two rows for the same block are a table error.
    public init(_ rows: [Row]) {
        self.rows = rows
        var byLength: [Int: [IPAddress: Row]] = [:]
        for row in rows {
            let previous = byLength[row.network.length, default: [:]].updateValue(
                row, forKey: row.network.address)
            precondition(previous == nil, "two rows for \(row.network)")
        }
        rowsByLength = byLength.sorted { $0.key > $1.key }.map { (length: $0.key, rows: $0.value) }
    }

    /// The row with the longest block containing `address`, if any.
    public func longestMatch(for address: IPAddress) -> Row? {
        for entry in rowsByLength where entry.length <= address.family.bitCount {
            guard let network = IPPrefix(containing: address, length: entry.length) else { continue }
            if let row = entry.rows[network.address] { return row }
        }
        return nil
    }
}
