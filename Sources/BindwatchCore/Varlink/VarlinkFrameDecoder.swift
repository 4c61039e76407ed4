import NIOCore

/// Splits the stream into varlink messages: one JSON object, then a NUL byte.
struct VarlinkFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// The server's limit for one call; a client sending more without a NUL is cut off.
    static let maximumRequestBytes = 64 * 1024

    let maximumMessageBytes: Int

    /// Clients read replies of up to sd-varlink's 16 MiB.
    init(maximumMessageBytes: Int = maximumRequestBytes) {
        self.maximumMessageBytes = maximumMessageBytes
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let end = buffer.readableBytesView.firstIndex(of: 0) else {
            if buffer.readableBytes > maximumMessageBytes {
                throw VarlinkProtocolError.messageTooLarge(limit: maximumMessageBytes)
            }
            return .needMoreData
        }
        let length = end - buffer.readerIndex
        guard length <= maximumMessageBytes else {
            throw VarlinkProtocolError.messageTooLarge(limit: maximumMessageBytes)
        }
        let message = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(Self.wrapInboundOut(message))
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // Bytes after the last NUL at EOF are an unfinished message; nothing answers them.
        return .needMoreData
    }
}
