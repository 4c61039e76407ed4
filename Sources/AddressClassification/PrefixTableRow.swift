/// A row of a table keyed by an address block.
public protocol PrefixTableRow {
    /// The block this row describes.
    var network: IPPrefix { get }
}
