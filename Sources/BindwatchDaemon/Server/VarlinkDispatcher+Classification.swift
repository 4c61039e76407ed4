import AddressClassification
import BindwatchModel
import BindwatchVarlink
import FoundationEssentials
import NIOCore

extension VarlinkDispatcher {
    /// `io.bindwatch.Classify`: what any address is, by today's rules and older kernels'.
    func classify(_ request: VarlinkRequest) throws -> ByteBuffer {
        let classification = try Self.classification(of: request)
        let fields = try Self.json(of: classification)
        return VarlinkReply.message { json in
            for key in fields.keys.sorted() {
                json.key(key)
                json.value(fields[key]!)
            }
            json.field("explanation", classification.explanation)
        }
    }

    /// `io.bindwatch.Explain`: an address of this host, every copy of it, every reason.
    func explain(_ request: VarlinkRequest) async throws -> ByteBuffer {
        let classification = try Self.classification(of: request)
        let (copies, policy) = await table.copies(of: classification.ipAddress, zone: classification.zonedAddress.zone)
        guard !copies.isEmpty else { throw VarlinkError.noSuchAddress }
        let classificationJSON = JSONValue.object(try Self.json(of: classification))
        return VarlinkReply.message { json in
            json.key("classification")
            json.value(classificationJSON)
            json.field("explanation", classification.explanation)
            json.key("addresses")
            json.beginArray()
            for address in copies {
                json.beginObject()
                json.key("address")
                address.write(to: &json)
                json.key("reasons")
                json.beginArray()
                for explanation in ReasonExplanation.explain(address, policy: policy) {
                    json.beginObject()
                    json.field("reason", explanation.reason)
                    json.field("source", explanation.source)
                    json.field("detail", explanation.detail)
                    json.endObject()
                }
                json.endArray()
                json.endObject()
            }
            json.endArray()
        }
    }

    private static func classification(of request: VarlinkRequest) throws -> Classification {
        let parameters = try VarlinkParameters(request.parameters, allowed: ["address"])
        guard let text = try parameters.string("address") else { throw VarlinkError.invalidParameter("address") }
        do {
            return try Classification(parsing: text)
        } catch {
            throw VarlinkError.invalidAddress(error.reason)
        }
    }

    /// The classifier's own encoding (its field names are the interface's), as JSON values.
    private static func json(of classification: Classification) throws -> [String: JSONValue] {
        let data = try JSONEncoder().encode(classification)
        guard case .object(let fields) = try JSONParser.parse(data) else { return [:] }
        return fields
    }
}
