/// Input that breaks the varlink framing or message format; the connection is answered with
/// an error where possible and closed.
public enum VarlinkProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    case messageTooLarge(limit: Int)
    case invalidJSON(String)
    case notAnObject
    case missingMethod

    public var description: String {
        switch self {
        case .messageTooLarge(let limit): "message exceeds \(limit) bytes without a NUL terminator"
        case .invalidJSON(let detail): "message is not valid JSON: \(detail)"
        case .notAnObject: "message is not a JSON object"
        case .missingMethod: "message has no \"method\" string"
        }
    }
}
