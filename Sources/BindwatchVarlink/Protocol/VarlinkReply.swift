import BindwatchModel
import NIOCore

/// Builds complete reply messages, NUL terminator included.
public enum VarlinkReply {
    /// sd-varlink refuses messages over 16 MiB; bindwatch keeps every reply under it.
    public static let maximumBytes = 16 * 1024 * 1024

    /// `{"parameters":{...},"continues":true}` + NUL.
    /// `expectedBytes` reserves room for a large reply.
    public static func message(
        continues: Bool = false, expectedBytes: Int = 0, _ writeParameters: (inout JSONWriter) -> Void
    ) -> ByteBuffer {
        var json = JSONWriter(reservingCapacity: expectedBytes)
        json.beginObject()
        json.key("parameters")
        json.beginObject()
        writeParameters(&json)
        json.endObject()
        if continues { json.field("continues", true) }
        json.endObject()
        return terminated(json)
    }

    /// The message with its NUL, copied into a ByteBuffer once.
    private static func terminated(_ json: JSONWriter) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.bytes.count + 1)
        buffer.writeBytes(json.bytes)
        buffer.writeInteger(UInt8(0))
        return buffer
    }

    public static func error(_ error: VarlinkError) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("error", error.name)
        json.key("parameters")
        json.beginObject()
        for (name, value) in error.parameters {
            switch value {
            case .string(let text): json.field(name, text)
            case .integer(let number): json.field(name, number)
            case .addresses(let addresses):
                json.key(name)
                json.beginArray()
                for address in addresses { address.write(to: &json) }
                json.endArray()
            }
        }
        json.endObject()
        json.endObject()
        return terminated(json)
    }

    /// A Watch event reply around the address's JSON, which the table encodes once per change,
    /// NUL included, written at the end of `bytes`: the table keeps a buffer per kind of event
    /// for it, shared by every subscriber that sees the change the same way.
    public static func writeWatchEvent(
        kind: TableEvent.Kind, generation: UInt64, address: [UInt8], into bytes: inout [UInt8]
    ) {
        // As `message` writes it, with the fixed parts in one copy each: one per change.
        JSONWriter.appending(to: &bytes) { json in
            json.fixed(#"{"parameters":{"generation":"#)
            json.integer(generation)
            switch kind {
            case .added: json.fixed(#","event":{"type":"added","generation":"#)
            case .changed: json.fixed(#","event":{"type":"changed","generation":"#)
            case .removed: json.fixed(#","event":{"type":"removed","generation":"#)
            }
            json.integer(generation)
            json.fixed(#","address":"#)
            json.encoded(address)
            json.fixed(#"}},"continues":true}"#)
        }
        bytes.append(0)
    }
}
