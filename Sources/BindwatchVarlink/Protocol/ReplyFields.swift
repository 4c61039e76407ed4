/// Typed reads of a reply's parameters (or any JSON object), each failure naming the field.
package struct ReplyFields {
    package let parameters: [String: JSONValue]

    package init(_ parameters: [String: JSONValue]) {
        self.parameters = parameters
    }

    package func string(_ name: String) throws(WireError) -> String {
        guard case .string(let value)? = parameters[name] else { throw WireError(field: name, problem: "not a string") }
        return value
    }

    package func optionalString(_ name: String) throws(WireError) -> String? {
        switch parameters[name] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw WireError(field: name, problem: "not a string or null")
        }
    }

    package func strings(_ name: String) throws(WireError) -> [String] {
        guard case .array(let values)? = parameters[name] else { throw WireError(field: name, problem: "not an array") }
        var strings: [String] = []
        for value in values {
            guard case .string(let text) = value else { throw WireError(field: name, problem: "not strings") }
            strings.append(text)
        }
        return strings
    }

    package func number(_ name: String) throws(WireError) -> Double {
        guard case .number(let value)? = parameters[name] else { throw WireError(field: name, problem: "not a number") }
        return value
    }

    package func integer<T: FixedWidthInteger>(_ name: String) throws(WireError) -> T {
        guard let value = T(exactly: try number(name)) else {
            throw WireError(field: name, problem: "not an integer in range")
        }
        return value
    }

    package func bool(_ name: String) throws(WireError) -> Bool {
        guard case .bool(let value)? = parameters[name] else { throw WireError(field: name, problem: "not a bool") }
        return value
    }

    package func optionalBool(_ name: String) throws(WireError) -> Bool? {
        switch parameters[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw WireError(field: name, problem: "not a bool or null")
        }
    }

    /// A nested object's fields, nil when absent or null.
    package func optionalObject(_ name: String) throws(WireError) -> ReplyFields? {
        switch parameters[name] {
        case nil, .null?: return nil
        case .object(let fields)?: return ReplyFields(fields)
        default: throw WireError(field: name, problem: "not an object or null")
        }
    }

    package func optionalInteger<T: FixedWidthInteger>(_ name: String) throws(WireError) -> T? {
        switch parameters[name] {
        case nil, .null?: return nil
        case .number(let number)?:
            guard let value = T(exactly: number) else {
                throw WireError(field: name, problem: "not an integer in range")
            }
            return value
        default: throw WireError(field: name, problem: "not a number or null")
        }
    }
}
