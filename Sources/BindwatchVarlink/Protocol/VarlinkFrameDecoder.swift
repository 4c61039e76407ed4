import NIOCore

/// Splits the stream into varlink messages: one JSON object, then a NUL byte.
package final class VarlinkFrameDecoder: ByteToMessageDecoder {
    package typealias InboundOut = ByteBuffer

    /// The server's limit for one call; a client sending more without a NUL is cut off.
    package static let maximumRequestBytes = 64 * 1024

    package let maximumMessageBytes: Int
    /// Bytes of the pending message already searched for a NUL: each read scans only what is
    /// new (a client sending one byte at a time would otherwise cost quadratic time).
    private var searched = 0

    /// Clients read replies of up to sd-varlink's 16 MiB.
    package init(maximumMessageBytes: Int = maximumRequestBytes) {
        self.maximumMessageBytes = maximumMessageBytes
    }

    package func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let end = view[(view.startIndex + min(searched, view.count))...].firstIndex(of: 0) else {
            searched = view.count
            if buffer.readableBytes > maximumMessageBytes {
                throw VarlinkProtocolError.messageTooLarge(limit: maximumMessageBytes)
            }
            return .needMoreData
        }
        searched = 0
        let length = end - buffer.readerIndex
        guard length <= maximumMessageBytes else {
            throw VarlinkProtocolError.messageTooLarge(limit: maximumMessageBytes)
        }
        let message = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(Self.wrapInboundOut(message))
        return .continue
    }

    package func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // Bytes after the last NUL at EOF are an unfinished message; nothing answers them.
        return .needMoreData
    }
}
