import NIOCore

/// One varlink call: `{"method": "...", "parameters": {...}, "more": true}`.
public struct VarlinkRequest: Sendable {
    public var method: String
    public var parameters: [String: JSONValue]
    /// The client accepts several replies (`continues: true` on all but the last).
    public var more: Bool
    /// The client wants no reply at all.
    public var oneway: Bool

    public init(method: String, parameters: [String: JSONValue] = [:], more: Bool = false, oneway: Bool = false) {
        self.method = method
        self.parameters = parameters
        self.more = more
        self.oneway = oneway
    }

    /// Parses one message (without its NUL).
    public init(message: ByteBuffer) throws(VarlinkProtocolError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(message.readableBytesView)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard case .object(let object) = value else { throw .notAnObject }
        guard case .string(let method)? = object["method"] else { throw .missingMethod }
        self.method = method
        switch object["parameters"] {
        case .object(let parameters)?: self.parameters = parameters
        case nil, .null?: self.parameters = [:]
        default: throw .invalidJSON("\"parameters\" is not an object")
        }
        if case .bool(true)? = object["more"] { more = true } else { more = false }
        if case .bool(true)? = object["oneway"] { oneway = true } else { oneway = false }
    }

    /// The interface part of the method name: `io.bindwatch` of `io.bindwatch.List`.
    public var interface: String {
        guard let dot = method.lastIndex(of: ".") else { return "" }
        return String(method[..<dot])
    }
}
