import BindwatchModel
import BindwatchVarlink

/// A snapshot that arrives in several replies (`List` with `more`, the start of `Watch`).
struct SnapshotParts {
    private var addresses: [Address] = []

    /// Adds one reply's addresses; returns the whole snapshot once `snapshotComplete` says so.
    mutating func add(_ parameters: [String: JSONValue]) throws(WireError) -> (
        generation: UInt64, addresses: [Address]
    )? {
        guard case .number(let number)? = parameters["generation"], let generation = UInt64(exactly: number) else {
            throw WireError(field: "generation", problem: "missing or not an integer")
        }
        if let part = parameters["addresses"] {
            addresses += try BindwatchConnection.addresses(part, field: "addresses")
        }
        guard case .bool(true)? = parameters["snapshotComplete"] else { return nil }
        defer { addresses = [] }
        return (generation, addresses)
    }
}
