extension IPPrefix {
    /// Parses a block written in one of this module's tables. The tables are
    /// constants checked by the tests, so a bad entry is a programming error.
    init(tableEntry text: String) {
        do {
            self = try IPPrefix(text)
        } catch {
            preconditionFailure("bad table entry: \(error)")
        }
    }
}
