import BindwatchClient

extension JSONValue {
    /// The elements of an array; nil for anything else.
    var arrayValue: [JSONValue]? {
        guard case .array(let values) = self else { return nil }
        return values
    }

    /// The strings of an array of strings; empty for anything else.
    var stringArray: [String] {
        guard case .array(let values) = self else { return [] }
        return values.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }
}
