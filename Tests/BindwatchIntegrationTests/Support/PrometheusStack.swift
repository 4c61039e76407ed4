import Foundation
import Glibc

/// Debian's prometheus-node-exporter and prometheus, on 127.0.0.1 only, for one test: node_exporter
/// reads `*.prom` files from `textfileDirectory` with its textfile collector alone, and Prometheus
/// scrapes it every second as job "node", as a host with bindwatch's textfile writer would be.
final class PrometheusStack: @unchecked Sendable {
    // @unchecked: every property is a constant; the processes are only stopped by `withStack`.

    /// One series of an instant query's answer.
    struct Sample: Sendable, Equatable, CustomStringConvertible {
        var labels: [String: String]
        var value: Double

        var description: String {
            let labels = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
            return "{\(labels.joined(separator: ","))} \(value)"
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Where the binaries are, and the Debian package that installs each (scripts/test installs them).
    enum Tool: String, CaseIterable {
        case prometheus = "/usr/bin/prometheus"
        case nodeExporter = "/usr/bin/prometheus-node-exporter"
        case promtool = "/usr/bin/promtool"

        var path: String { rawValue }

        var debianPackage: String {
            switch self {
            case .prometheus, .promtool: "prometheus"
            case .nodeExporter: "prometheus-node-exporter"
            }
        }

        /// The path, or an error that says which package to install.
        func require() throws -> String {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw Failure(
                    "\(path) is missing: install the Debian package \(debianPackage) (apt-get install \(debianPackage))"
                )
            }
            return path
        }
    }

    /// node_exporter reads the `*.prom` files here at every scrape; see `writeTextfile`.
    let textfileDirectory: String
    /// `instance` of every series scraped from node_exporter, as `job="node"`.
    let nodeExporterAddress: String
    let prometheusAddress: String
    /// Holds the textfile directory, Prometheus's config and data, and both processes' logs.
    private let directory: String
    private let nodeExporter: Server
    private let prometheus: Server

    private init(directory: String, textfileDirectory: String, nodeExporter: Server, prometheus: Server) {
        self.directory = directory
        self.textfileDirectory = textfileDirectory
        self.nodeExporter = nodeExporter
        self.prometheus = prometheus
        nodeExporterAddress = "127.0.0.1:\(nodeExporter.port)"
        prometheusAddress = "127.0.0.1:\(prometheus.port)"
    }

    /// Starts node_exporter and Prometheus, waits until Prometheus has scraped node_exporter, runs
    /// `body`, and then stops both and removes every file they had, whether `body` returns or
    /// throws. `ruleFiles` (absolute paths) are loaded and evaluated every second.
    static func withStack<T>(
        ruleFiles: [String] = [], _ body: (PrometheusStack) async throws -> T
    ) async throws -> T {
        let stack = try await start(ruleFiles: ruleFiles)
        do {
            let result = try await body(stack)
            stack.stop()
            return result
        } catch {
            stack.stop()
            throw error
        }
    }

    private static func start(ruleFiles: [String]) async throws -> PrometheusStack {
        let prometheusPath = try Tool.prometheus.require()
        let nodeExporterPath = try Tool.nodeExporter.require()
        let directory = try Command.run(["mktemp", "-d", "/tmp/bindwatch-prometheus.XXXXXX"]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let textfileDirectory = "\(directory)/textfile"
        var servers: [Server] = []
        do {
            try FileManager.default.createDirectory(atPath: textfileDirectory, withIntermediateDirectories: false)
            let nodeExporter = try await Server.start(
                name: "node_exporter", logPath: "\(directory)/node-exporter.log", readinessPath: "/metrics"
            ) { port in
                [
                    nodeExporterPath, "--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults",
                    "--collector.textfile", "--collector.textfile.directory=\(textfileDirectory)",
                    // Warnings and errors only (a textfile it cannot parse), so that they stand out in failures.
                    "--log.level=warn",
                ]
            }
            servers.append(nodeExporter)
            let configPath = "\(directory)/prometheus.yml"
            try configuration(nodeExporterPort: nodeExporter.port, ruleFiles: ruleFiles)
                .write(toFile: configPath, atomically: true, encoding: .utf8)
            let prometheus = try await Server.start(
                name: "prometheus", logPath: "\(directory)/prometheus.log", readinessPath: "/-/ready"
            ) { port in
                [
                    prometheusPath, "--config.file=\(configPath)", "--storage.tsdb.path=\(directory)/data",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
                ]
            }
            servers.append(prometheus)
            let stack = PrometheusStack(
                directory: directory, textfileDirectory: textfileDirectory, nodeExporter: nodeExporter,
                prometheus: prometheus)
            try await stack.waitUntilScraped()
            return stack
        } catch {
            for server in servers.reversed() { server.stop() }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Scrapes and rule evaluations every second, so that a test waits seconds, not minutes.
    private static func configuration(nodeExporterPort: UInt16, ruleFiles: [String]) -> String {
        let rules = ruleFiles.isEmpty ? "" : "rule_files:\n" + ruleFiles.map { "  - \"\($0)\"\n" }.joined()
        return """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            \(rules)scrape_configs:
              - job_name: node
                static_configs:
                  - targets: ["127.0.0.1:\(nodeExporterPort)"]

            """
    }

    /// Until `up` is 1: the scrape works, so a query that never holds is not a broken harness.
    private func waitUntilScraped() async throws {
        do {
            try await waitFor("up", timeout: .seconds(30)) { $0.contains { $0.value == 1 } }
        } catch {
            let targets = (try? HTTP.get(port: prometheus.port, path: "/api/v1/targets").body) ?? ""
            throw Failure("Prometheus does not scrape node_exporter: \(error)\ntargets: \(targets)\n\(logs)")
        }
    }

    private func stop() {
        prometheus.stop()
        nodeExporter.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// node_exporter's and Prometheus's, for tests of the clean-up.
    var processIdentifiers: [pid_t] { [nodeExporter.process.processIdentifier, prometheus.process.processIdentifier] }

    /// Both processes' last log lines, for failure messages.
    var logs: String {
        "node_exporter log:\n\(nodeExporter.logTail)\nprometheus log:\n\(prometheus.logTail)"
    }

    // MARK: Textfiles

    /// Writes `name` (ending in `.prom`) in the textfile directory the way node_exporter wants it:
    /// whole, through a rename, so that a scrape never reads half a file.
    func writeTextfile(_ name: String, _ contents: String) throws {
        guard name.hasSuffix(".prom"), !name.contains("/") else {
            throw Failure("node_exporter reads only *.prom files in its directory, not \(name)")
        }
        let temporary = "\(textfileDirectory)/.\(name).\(UUID().uuidString)"
        try contents.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, "\(textfileDirectory)/\(name)") == 0 else {
            let error = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure("cannot move \(temporary) into place: \(error)")
        }
    }

    func removeTextfile(_ name: String) throws {
        try FileManager.default.removeItem(atPath: "\(textfileDirectory)/\(name)")
    }

    /// What node_exporter serves now, straight from it rather than through Prometheus.
    func nodeExporterMetrics() async throws -> String {
        let response = try HTTP.get(port: nodeExporter.port, path: "/metrics")
        guard response.status == 200 else {
            throw Failure("node_exporter answered /metrics with \(response.status): \(response.body)")
        }
        return response.body
    }

    // MARK: Queries

    /// An instant query through `/api/v1/query`: a vector's series, or a scalar as one sample
    /// without labels.
    func query(_ promql: String) async throws -> [Sample] {
        let response = try HTTP.get(port: prometheus.port, path: "/api/v1/query?query=\(Self.queryEncoded(promql))")
        let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        guard let json, json["status"] as? String == "success", let data = json["data"] as? [String: Any] else {
            throw Failure("query \(promql) failed (HTTP \(response.status)): \(response.body)")
        }
        switch data["resultType"] as? String {
        case "vector":
            guard let result = data["result"] as? [[String: Any]] else {
                throw Failure("query \(promql): no result in \(response.body)")
            }
            return try result.map { series in
                guard let labels = series["metric"] as? [String: String], let value = Self.value(series["value"])
                else { throw Failure("query \(promql): cannot read \(series)") }
                return Sample(labels: labels, value: value)
            }
        case "scalar":
            guard let value = Self.value(data["result"]) else {
                throw Failure("query \(promql): cannot read \(response.body)")
            }
            return [Sample(labels: [:], value: value)]
        default:
            throw Failure("query \(promql): want an instant vector or a scalar, got \(response.body)")
        }
    }

    /// Polls `query(promql)` until `condition` holds, and returns that answer; throws with the
    /// last answer and both logs after `timeout`.
    @discardableResult
    func waitFor(
        _ promql: String, timeout: Duration = .seconds(30), until condition: ([Sample]) throws -> Bool
    ) async throws -> [Sample] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let samples = try await query(promql)
            if try condition(samples) { return samples }
            if ContinuousClock.now > deadline {
                throw Failure("after \(timeout), \(promql) is still \(samples)\n\(logs)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// `[time, "value"]`; Prometheus writes values as strings ("1", "NaN", "+Inf").
    private static func value(_ pair: Any?) -> Double? {
        guard let pair = pair as? [Any], pair.count == 2, let text = pair[1] as? String else { return nil }
        return Double(text)
    }

    /// PromQL is full of characters a query string must not carry as they are.
    private static func queryEncoded(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    // MARK: promtool

    /// `promtool check metrics` on `text`: throws with promtool's output on any problem it
    /// reports (a parse error, or lint such as a counter without `_total` or a metric without
    /// HELP), which it does with a non-zero exit.
    static func checkMetrics(_ text: String) throws {
        let promtool = try Tool.promtool.require()
        let result = try Command.runAllowingFailure([promtool, "check", "metrics"], input: text)
        let output = (result.output + result.error).trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, output.isEmpty else {
            throw Failure("promtool check metrics exited \(result.status): \(output)")
        }
    }
}

/// One of the two servers: its process, its port on 127.0.0.1, and its log.
private final class Server {
    let name: String
    let port: UInt16
    let process: Process
    let logPath: String

    private init(name: String, port: UInt16, process: Process, logPath: String) {
        self.name = name
        self.port = port
        self.process = process
        self.logPath = logPath
    }

    /// Runs `command(port)` on a free port and waits until `readinessPath` answers 200. A port
    /// is free when asked, but another process may take it before ours binds it: then retry.
    static func start(
        name: String, logPath: String, readinessPath: String, timeout: Duration = .seconds(30),
        command: (UInt16) -> [String]
    ) async throws -> Server {
        for attempt in 1...5 {
            let port = try freeLoopbackPort()
            let command = command(port)
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            defer { try? log.close() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.currentDirectoryURL = URL(fileURLWithPath: logPath).deletingLastPathComponent()
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = log
            process.standardError = log
            try process.run()
            let server = Server(name: name, port: port, process: process, logPath: logPath)
            do {
                try await server.waitUntilReady(path: readinessPath, timeout: timeout)
                return server
            } catch {
                server.stop()
                if attempt < 5, server.logTail.contains("address already in use") { continue }
                throw error
            }
        }
        preconditionFailure("unreachable: the last attempt returns or throws")
    }

    private func waitUntilReady(path: String, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastAnswer = "no answer yet"
        while true {
            if !process.isRunning {
                throw PrometheusStack.Failure(
                    "\(name) exited with status \(process.terminationStatus) while starting:\n\(logTail)")
            }
            do {
                let response = try HTTP.get(port: port, path: path)
                if response.status == 200 { return }
                lastAnswer = "HTTP \(response.status): \(response.body)"
            } catch {
                lastAnswer = "\(error)"
            }
            if ContinuousClock.now > deadline {
                throw PrometheusStack.Failure(
                    "\(name) on 127.0.0.1:\(port) not ready within \(timeout) (\(path): \(lastAnswer)):\n\(logTail)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited within 10 s; waits for it either way.
    func stop() { process.stop() }

    /// The end of the log: where a start-up failure is.
    var logTail: String {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(log.suffix(4000))
    }

    /// A port the kernel just gave a socket bound to 127.0.0.1:0, which is then closed.
    private static func freeLoopbackPort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw HTTP.systemError("socket") }
        defer { close(descriptor) }
        var address = HTTP.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw HTTP.systemError("bind 127.0.0.1:0") }
        return UInt16(bigEndian: address.sin_port)
    }
}

/// A GET over HTTP/1.0 to 127.0.0.1. Not URLSession: on Linux it goes through libcurl, which
/// takes a proxy from `http_proxy` in the environment, and swift-corelibs-foundation has no
/// setting to turn that off, so where CI sets a proxy, loopback requests would go to it.
private enum HTTP {
    /// HTTP/1.0: the server closes the connection after the body, which is neither chunked
    /// nor kept alive, so reading to the end of the stream reads exactly one answer.
    static func get(port: UInt16, path: String) throws -> (status: Int, body: String) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw systemError("socket") }
        defer { close(descriptor) }
        // A server that accepts and then stalls fails the request instead of hanging the test.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw systemError("connect to 127.0.0.1:\(port)") }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw systemError("send to 127.0.0.1:\(port)") }
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw systemError("receive from 127.0.0.1:\(port)\(path)") }
            if count == 0 { break }
            response += buffer[..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        // "HTTP/1.0 200 OK\r\n…headers…\r\n\r\nbody"
        guard let headerEnd = text.range(of: "\r\n\r\n"),
            let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap({ Int($0) })
        else { throw PrometheusStack.Failure("not an HTTP answer from 127.0.0.1:\(port)\(path): \(text.prefix(200))") }
        return (status, String(text[headerEnd.upperBound...]))
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    static func systemError(_ what: String) -> PrometheusStack.Failure {
        PrometheusStack.Failure("\(what): \(String(cString: strerror(errno)))")
    }
}
