import Foundation
import Testing

extension IntegrationTests {
    /// The units as systemd 252 (Debian 12) reads them; CI has no systemd as PID 1, so these
    /// are the offline checks.
    @Suite("systemd units")
    struct SystemdUnitTests {
        /// A copy of a unit whose binaries are the ones just built, as `verify` wants them to exist.
        private func unitCopy(_ name: String, as copyName: String? = nil, into directory: String? = nil) throws -> (
            directory: String, path: String
        ) {
            let directory =
                try directory ?? Command.run(["mktemp", "-d"]).trimmingCharacters(in: .whitespacesAndNewlines)
            let binaries = URL(fileURLWithPath: IntegrationEnvironment.daemonPath).deletingLastPathComponent().path
            let text = try String(
                contentsOf: Command.repositoryRoot.appendingPathComponent("systemd/\(name)"), encoding: .utf8)
            let path = "\(directory)/\(copyName ?? name)"
            try text.replacingOccurrences(of: "/usr/local/bin/", with: "\(binaries)/")
                .write(toFile: path, atomically: true, encoding: .utf8)
            return (directory, path)
        }

        @Test("bindwatchd.service: exposure 1.0 or less")
        func exposure() throws {
            let (directory, path) = try unitCopy("bindwatchd.service")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let output = try Command.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", path])
            let line = try #require(output.split(separator: "\n").first { $0.contains("Overall exposure level") })
            // "… for bindwatchd.service: 0.9 SAFE 😀"; without a TERM (CI) the face is ":-}", so
            // read the number right after the unit's name, not after the last colon.
            let verdict = try #require(line.range(of: ".service:").map { line[$0.upperBound...] })
            let value = try #require(verdict.split(separator: " ").first.flatMap { Double($0) })
            #expect(value <= 1.0, "\(line)")
        }

        @Test(
            "systemd-analyze verify is clean",
            arguments: [
                ("bindwatchd.service", nil), ("bindwatch-wait@.service", "bindwatch-wait@eth0.service"),
                ("bindwatch-wait-online.service", nil),
                // verify cannot read a file whose name has a ":" (it reports "Couldn't process
                // aliases"); systemd itself takes bindwatch-wait-address@2001:db8::1.service.
                ("bindwatch-wait-address@.service", "bindwatch-wait-address@192.0.2.1.service"),
            ] as [(String, String?)])
        func verify(unit: String, instance: String?) throws {
            let (directory, path) = try unitCopy(unit, as: instance)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let result = try Command.runAllowingFailure(["systemd-analyze", "verify", "--man=no", path])
            #expect(result.status == 0, "\(result.error)")
            #expect(result.error.isEmpty && result.output.isEmpty, "\(result.output)\(result.error)")
        }

        @Test("systemd-analyze verify is clean on bindwatchd.socket with its service beside it")
        func verifySocket() throws {
            let (directory, _) = try unitCopy("bindwatchd.service")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let (_, path) = try unitCopy("bindwatchd.socket", into: directory)
            let result = try Command.runAllowingFailure(["systemd-analyze", "verify", "--man=no", path])
            #expect(result.status == 0, "\(result.error)")
            #expect(result.error.isEmpty && result.output.isEmpty, "\(result.output)\(result.error)")
        }

        @Test("bindwatchd.socket listens where the daemon's default socket is, on the groups it joins")
        func socketUnitMatchesDaemon() throws {
            let text = try String(
                contentsOf: Command.repositoryRoot.appendingPathComponent("systemd/bindwatchd.socket"), encoding: .utf8)
            let settings = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            #expect(settings.contains("ListenStream=/run/bindwatch/io.bindwatch"))
            // RTNLGRP_LINK 1, IPV4_IFADDR 5, IPV6_IFADDR 9, IPV6_PREFIX 18, as bits of the mask.
            let mask = (1 << 0) | (1 << 4) | (1 << 8) | (1 << 17)
            #expect(settings.contains("ListenNetlink=route \(mask)"))
            #expect(settings.contains { $0.hasPrefix("ReceiveBuffer=") })
        }
    }
}
