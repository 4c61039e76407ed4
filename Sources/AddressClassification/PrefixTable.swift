/// Rows keyed by address block, answering longest-prefix-match lookups:
/// "the most specific row wins", as the IANA registries and RFC 6724's
/// policy table both require.
///
/// Rows are hashed per prefix length and probed from the longest length
/// down, so a lookup costs one hash probe per distinct length.
public struct PrefixTable<Row: PrefixTableRow & Sendable>: Sendable {
    /// The rows in the order given.
    public let rows: [Row]

    private let rowsByLength: [(length: Int, rows: [BlockKey: Row])]

    /// A block as two words and a family: masking it is two operations.
    private struct BlockKey: Hashable {
        var high: UInt64
        var low: UInt64
        var isIPv6: Bool

        init(_ address: IPAddress) {
            high = address.high
            low = address.low
            isIPv6 = address.family == .inet6
        }

        /// The first `length` bits kept, the rest cleared.
        func masked(to length: Int) -> BlockKey {
            func keep(_ word: UInt64, _ bits: Int) -> UInt64 {
                bits <= 0 ? 0 : bits >= 64 ? word : word & ~(UInt64.max >> UInt64(bits))
            }
            var key = self
            key.high = keep(high, length)
            key.low = keep(low, length - 64)
            return key
        }
    }

    /// Builds the index; two rows for the same block are a table error.
    public init(_ rows: [Row]) {
        self.rows = rows
        var byLength: [Int: [BlockKey: Row]] = [:]
        for row in rows {
            let previous = byLength[row.network.length, default: [:]].updateValue(
                row, forKey: BlockKey(row.network.address))
            precondition(previous == nil, "two rows for \(row.network)")
        }
        rowsByLength = byLength.sorted { $0.key > $1.key }.map { (length: $0.key, rows: $0.value) }
    }

    /// The row with the longest block containing `address`, if any.
    public func longestMatch(for address: IPAddress) -> Row? {
        let key = BlockKey(address)
        for entry in rowsByLength where entry.length <= address.family.bitCount {
            if let row = entry.rows[key.masked(to: entry.length)] { return row }
        }
        return nil
    }
}
