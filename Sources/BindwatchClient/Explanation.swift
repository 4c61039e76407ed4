import BindwatchModel
import BindwatchVarlink

/// `Explain`'s answer: what the address is, and each copy of it on this host with its reasons.
public struct Explanation: Sendable {
    public struct Reason: Sendable, Equatable {
        /// `tentative`, `link-down`, …
        public var reason: String
        /// `kernel` or the policy setting behind it.
        public var source: String
        public var detail: String
    }

    public struct Copy: Sendable {
        public var address: Address
        public var reasons: [Reason]
    }

    /// What the address is, as `Classify` says.
    public var classification: ClassificationResult
    public var explanation: String
    public var addresses: [Copy]

    init(parameters: [String: JSONValue]) throws(WireError) {
        let reply = ReplyFields(parameters)
        guard let classification = try reply.optionalObject("classification") else {
            throw WireError(field: "classification", problem: "missing")
        }
        self.classification = try ClassificationResult(fields: classification)
        explanation = try reply.string("explanation")
        guard case .array(let copies)? = parameters["addresses"] else {
            throw WireError(field: "addresses", problem: "missing or not an array")
        }
        addresses = []
        for (index, copy) in copies.enumerated() {
            guard let address = copy["address"], case .array(let reasons)? = copy["reasons"] else {
                throw WireError(field: "addresses[\(index)]", problem: "not an AddressExplanation")
            }
            var explained: [Reason] = []
            for reason in reasons {
                guard case .object(let fields) = reason else {
                    throw WireError(field: "addresses[\(index)].reasons", problem: "not objects")
                }
                let entry = ReplyFields(fields)
                explained.append(
                    Reason(
                        reason: try entry.string("reason"), source: try entry.string("source"),
                        detail: try entry.string("detail")))
            }
            addresses.append(Copy(address: try Address(json: address), reasons: explained))
        }
    }
}
