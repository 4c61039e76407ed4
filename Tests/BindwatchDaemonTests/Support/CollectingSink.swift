import EventLoopConcurrency
import Foundation
import NIOCore
import Synchronization
import Testing

@testable import BindwatchDaemon
@testable import BindwatchModel
@testable import BindwatchNetlink
@testable import BindwatchVarlink

/// Collects a call's replies as decoded JSON.
final class CollectingSink: ReplySink {
    let messages = Mutex<[String]>([])
    func send(_ message: ByteBuffer) async throws {
        var message = message
        #expect(message.readableBytesView.last == 0)
        message.moveWriterIndex(to: message.writerIndex - 1)
        messages.withLock { $0.append(String(buffer: message)) }
    }
    /// A Watch's writes: one or more NUL-terminated messages.
    var unwrittenBytes: Int { 0 }
    func write(_ buffer: ByteBuffer) {
        let bytes = Array(buffer.readableBytesView)
        #expect(bytes.last == 0)
        for message in bytes.split(separator: 0) {
            messages.withLock { $0.append(String(decoding: message, as: UTF8.self)) }
        }
    }
    var replies: [JSONValue] {
        messages.withLock { $0 }.map { try! JSONParser.parse(Array($0.utf8)) }
    }
}

extension VarlinkDispatcher.ConnectionSignals {
    /// A connection from `uid` that neither closes nor queues too many calls.
    static func forTests(uid: UInt32 = 0) -> Self {
        Self(peer: PeerCredentials(uid: uid, pid: 1), peerGone: OneShotSignal(), tooManyCalls: OneShotSignal())
    }
}
