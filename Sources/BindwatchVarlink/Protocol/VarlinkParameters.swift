import BindwatchModel

/// Typed access to a call's parameters; anything undeclared or mistyped is InvalidParameter.
package struct VarlinkParameters {
    package let values: [String: JSONValue]

    /// Fails on the first parameter the method does not declare.
    package init(_ values: [String: JSONValue], allowed: Set<String>) throws(VarlinkError) {
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .invalidParameter(unknown)
        }
        self.values = values
    }

    package func string(_ name: String) throws(VarlinkError) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw .invalidParameter(name)
        }
    }

    package func bool(_ name: String) throws(VarlinkError) -> Bool? {
        switch values[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw .invalidParameter(name)
        }
    }

    package func number(_ name: String) throws(VarlinkError) -> Double? {
        switch values[name] {
        case nil, .null?: return nil
        case .number(let value)?: return value
        default: throw .invalidParameter(name)
        }
    }

    /// The `family`, `interface` and `all` parameters List, Watch and Wait share.
    package func filter(includesUnbindableByDefault: Bool = false) throws(VarlinkError) -> AddressFilter {
        var filter = AddressFilter()
        if let family = try string("family") {
            guard let parsed = AddressFamily(name: family) else { throw .invalidParameter("family") }
            filter.family = parsed
        }
        if let interface = try string("interface") {
            guard !interface.isEmpty else { throw .invalidParameter("interface") }
            filter.interface = interface
        }
        filter.includesUnbindable = try bool("all") ?? includesUnbindableByDefault
        return filter
    }
}
