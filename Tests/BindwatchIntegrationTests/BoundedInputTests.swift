import BindwatchDaemon
import BindwatchNetlink
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// glibc's setns(2), which Swift's Glibc module leaves out (it is behind _GNU_SOURCE).
@_silgen_name("setns")
private func joinNamespace(_ fd: Int32, _ type: Int32) -> Int32
/// CLONE_NEWNET from <sched.h>, likewise.
private let networkNamespaceType: Int32 = 0x4000_0000

extension IntegrationTests {
    /// The daemon's netlink input, in this process: a monitor and a table on an event loop of
    /// the test's own, reading a socket opened inside a namespace the test made.
    @Suite("Bounded netlink input")
    struct BoundedInputTests {
        /// A rtnetlink socket of `namespace`: opened by a thread that joined it (a socket stays
        /// in the namespace it was made in), handed back as its descriptor.
        private func netlinkSocket(in namespace: NetworkNamespace) throws -> NetlinkSocket {
            let opened = Mutex<Result<Int32, NetlinkError>?>(nil)
            let done = DispatchSemaphore(value: 0)
            let path = "/var/run/netns/\(namespace.name)"
            let thread = Thread {
                defer { done.signal() }
                let namespaceFD = open(path, O_RDONLY | O_CLOEXEC)
                guard namespaceFD >= 0, joinNamespace(namespaceFD, networkNamespaceType) == 0 else {
                    opened.withLock { $0 = .failure(NetlinkError("setns(\(path))", result: -Int(errno))) }
                    return
                }
                close(namespaceFD)
                opened.withLock {
                    $0 = Result { () throws(NetlinkError) -> Int32 in try NetlinkSocket.open().duplicateDescriptor() }
                }
                // This thread ends here, in the namespace; nothing else runs on it.
            }
            thread.start()
            done.wait()
            let descriptor = try #require(opened.withLock { $0 }).get()
            return try NetlinkSocket(adopting: descriptor)
        }

        @Test("a busy event loop leaves the burst in the kernel's buffer, which overflows into a resync")
        func kernelBufferOverflows() async throws {
            try await NetworkNamespace.with { namespace in
                try namespace.addVeth("veth0", peer: "veth1")
                let socket = try netlinkSocket(in: namespace)
                let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
                let loop = loops.next()
                let logger = Logger(label: "bounded-input-test")
                let table = LiveTable(logger: logger, eventLoop: loop)
                // 256 KiB holds a few hundred address messages (each costs the socket about 768
                // bytes of buffer): far fewer than the burst. A reader the busy loop does not hold
                // back (the old netlink-receive thread) keeps up with this burst: 6 runs of 6
                // here ended without an overrun.
                let monitor = try NetlinkMonitor(
                    table: table, configuration: .init(receiveBufferBytes: 256 * 1024), socket: socket, logger: logger)
                var failure: (any Error)?
                do {
                    try await burst(namespace, table: table, monitor: monitor, loop: loop)
                } catch {
                    failure = error
                }
                try await loops.shutdownGracefully()
                if let failure { throw failure }
            }
        }

        private func burst(
            _ namespace: NetworkNamespace, table: LiveTable, monitor: NetlinkMonitor, loop: any EventLoop
        )
            async throws
        {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await monitor.run() }
                defer { group.cancelAll() }
                await table.waitUntilReady()
                let before = await table.status()
                #expect(before.synced)

                // The table's thread is busy (as with a large re-evaluation): nothing reads
                // the socket meanwhile, so the kernel, not the daemon, must hold the burst.
                let busy = loop.submit { usleep(700_000) }
                try namespace.batchAddresses("add", 1...1000, prefix: "2001:db8:b0::", device: "veth0")
                _ = try await busy.get()

                let kernel = try KernelAddress.all(in: namespace).count
                let deadline = ContinuousClock.now + .seconds(30)
                var status = await table.status()
                while !(status.synced && status.addresses == kernel) && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                    status = await table.status()
                }
                #expect(status.addresses == kernel, "the table has \(status.addresses), the kernel \(kernel)")
                #expect(status.synced)
                // The kernel dropped what did not fit, said so (ENOBUFS), and a resync
                // made the table whole: the overflow happened in the kernel's buffer.
                #expect(status.resyncs > before.resyncs, "no overrun: something read while the loop was busy")
            }
        }
    }
}
