import Testing

@testable import AddressClassification

/// Classifies text the test itself wrote; a parse failure is a broken test.
func classify(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Classification {
    do {
        return try Classification(parsing: text)
    } catch {
        Issue.record("test address \(text) does not parse: \(error)", sourceLocation: sourceLocation)
        return Classification(IPAddress(ipv4: 0))
    }
}
