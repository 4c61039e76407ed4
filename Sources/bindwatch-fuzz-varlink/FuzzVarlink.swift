// libFuzzer target for what a varlink client controls: the byte stream goes through the
// server's frame decoder (VarlinkFrameDecoder in a ByteToMessageHandler, as VarlinkServer
// installs it), and each frame through the request parsing VarlinkConnection and
// VarlinkDispatcher do: JSONParser with its depth limit, VarlinkRequest, and the parameter
// checks of each method. Besides crashes, it checks properties:
//   - framing does not depend on how the stream is split into reads, and matches a model
//     (split on NUL; a message over the limit is refused with messageTooLarge);
//   - VarlinkRequest's result (request or error) matches a model built on JSONParser's;
//   - JSON that parses, written back by JSONWriter, parses to the same value;
//   - every error reply the server would send is JSON that parses back to the same error;
//   - the address parser of Wait, Classify and Explain reads what glibc's inet_pton reads.
//
// Built by scripts/fuzz with -sanitize=fuzzer -DBINDWATCH_FUZZING (libFuzzer supplies main).
// A plain `swift build` builds a replayer instead: `bindwatch-fuzz-varlink FILE|DIR...` runs
// each file through the same function, so crash inputs and the seeds work as regression tests.
import AddressClassification
import BindwatchModel
import BindwatchVarlink
import Glibc
import NIOCore
import NIOEmbedded

#if !BINDWATCH_FUZZING
    import Foundation
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVarlink(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzVarlink.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

enum FuzzVarlink {
    static func run(_ input: [UInt8]) {
        let chunks = chunkSizes(for: input)
        // The server's limit, with the input in one read and in pseudo-random reads.
        let frames = checkFraming(input, limit: VarlinkFrameDecoder.maximumRequestBytes, chunks: [input.count])
        _ = checkFraming(input, limit: VarlinkFrameDecoder.maximumRequestBytes, chunks: chunks)
        // A small limit, so inputs of fuzzing size reach the too-large paths.
        _ = checkFraming(input, limit: 16 + Int(hash(input) % 64), chunks: chunks)
        for frame in frames { checkRequest(frame) }
    }

    // MARK: Framing

    /// Feeds `input` to the server's decoder in reads of the given sizes, then half-closes the
    /// input, and checks the frames (and any error) against the model. Returns the frames.
    static func checkFraming(_ input: [UInt8], limit: Int, chunks: [Int]) -> [ByteBuffer] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(VarlinkFrameDecoder(maximumMessageBytes: limit)))
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        var frames: [ByteBuffer] = []
        var thrown: (any Error)?
        var offset = 0
        for size in chunks where thrown == nil && offset < input.count {
            let end = min(offset + size, input.count)
            do {
                try channel.writeInbound(ByteBuffer(bytes: input[offset..<end]))
            } catch {
                thrown = error
            }
            offset = end
            while let frame = try? channel.readInbound(as: ByteBuffer.self) { frames.append(frame) }
        }
        if thrown == nil {
            // The server allows half-closure: EOF on input runs decodeLast.
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            do { try channel.throwIfErrorCaught() } catch { thrown = error }
            while let frame = try? channel.readInbound(as: ByteBuffer.self) { frames.append(frame) }
        }

        // The model: messages are the pieces between NULs; the bytes after the last NUL are an
        // unfinished message. The first piece over the limit is refused, and nothing after it.
        let pieces = input.split(separator: 0, omittingEmptySubsequences: false)
        let complete = pieces.dropLast()
        let tooLarge = complete.firstIndex { $0.count > limit }
        let expected = complete[..<(tooLarge ?? complete.endIndex)]
        let expectError = tooLarge != nil || pieces.last!.count > limit
        require(
            frames.count == expected.count
                && zip(frames, expected).allSatisfy { Array($0.readableBytesView) == Array($1) },
            "frames differ from the model (limit \(limit), \(chunks.count) reads)")
        if expectError {
            require(
                thrown as? VarlinkProtocolError == .messageTooLarge(limit: limit),
                "expected messageTooLarge(limit: \(limit)), got \(String(describing: thrown))")
        } else {
            require(thrown == nil, "unexpected error \(String(describing: thrown))")
        }
        return frames
    }

    /// Read sizes from 1 byte to a few hundred, derived from the input so that a crash
    /// reproduces.
    static func chunkSizes(for input: [UInt8]) -> [Int] {
        var state = hash(input) | 1
        var sizes: [Int] = []
        var total = 0
        while total < input.count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let size = Int((state >> 8) % (state % 8 == 0 ? 512 : 24)) + 1
            sizes.append(size)
            total += size
        }
        return sizes
    }

    /// FNV-1a.
    static func hash(_ input: [UInt8]) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in input { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return value
    }

    // MARK: Requests

    /// One frame as VarlinkConnection.process and VarlinkDispatcher.handle take it.
    static func checkRequest(_ frame: ByteBuffer) {
        // The model: what VarlinkRequest must make of the frame, from JSONParser's result.
        let expected: Result<JSONValue, VarlinkProtocolError>
        do {
            let value = try JSONParser.parse(frame.readableBytesView)
            checkRoundTrip(value)
            if case .object(let object) = value {
                if case .string? = object["method"] {
                    switch object["parameters"] {
                    case nil, .null?, .object?: expected = .success(value)
                    default: expected = .failure(.invalidJSON("\"parameters\" is not an object"))
                    }
                } else {
                    expected = .failure(.missingMethod)
                }
            } else {
                expected = .failure(.notAnObject)
            }
        } catch {
            expected = .failure(.invalidJSON(error.description))
        }

        let request: VarlinkRequest
        do {
            request = try VarlinkRequest(message: frame)
        } catch {
            require(expected == .failure(error), "VarlinkRequest failed with \(error), expected \(expected)")
            // VarlinkConnection answers with this before it closes the connection.
            checkErrorReply(.protocolError(error.description))
            return
        }
        guard case .success(.object(let object)) = expected else {
            require(false, "VarlinkRequest took a message it should refuse: \(expected)")
            return
        }
        var parameters: [String: JSONValue] = [:]
        if case .object(let given)? = object["parameters"] { parameters = given }
        require(
            .string(request.method) == object["method"] && request.parameters == parameters
                && request.more == (object["more"] == .bool(true))
                && request.oneway == (object["oneway"] == .bool(true)),
            "VarlinkRequest differs from the message")
        do throws(VarlinkError) {
            try checkParameters(request)
        } catch {
            checkErrorReply(error)
        }
    }

    /// The parameter checks VarlinkDispatcher.handle makes before it touches the table.
    static func checkParameters(_ request: VarlinkRequest) throws(VarlinkError) {
        switch request.method {
        case "org.varlink.service.GetInfo", "io.bindwatch.GetStatus", "io.bindwatch.Reload":
            _ = try VarlinkParameters(request.parameters, allowed: [])
        case "org.varlink.service.GetInterfaceDescription":
            let parameters = try VarlinkParameters(request.parameters, allowed: ["interface"])
            switch try parameters.string("interface") {
            case "io.bindwatch"?, "org.varlink.service"?: break
            case nil: throw .invalidParameter("interface")
            case let other?: throw .interfaceNotFound(other)
            }
        case "io.bindwatch.List", "io.bindwatch.Watch":
            _ = try VarlinkParameters(request.parameters, allowed: ["family", "interface", "all"]).filter()
            if request.method == "io.bindwatch.Watch" && !request.more { throw .expectedMore }
        case "io.bindwatch.Wait":
            let parameters = try VarlinkParameters(
                request.parameters, allowed: ["family", "interface", "address", "timeout", "settled", "scope"])
            if let text = try? parameters.string("address") {
                let parts = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
                checkAddressParsers(String(parts[0]))
            }
            var wait = try WaitParameters(parameters)
            if let zone = wait.zone { try wait.applyZone(naming: zone) }
        case "io.bindwatch.Classify", "io.bindwatch.Explain":
            let parameters = try VarlinkParameters(request.parameters, allowed: ["address"])
            guard let text = try parameters.string("address") else { throw .invalidParameter("address") }
            do {
                let classification = try Classification(parsing: text)
                _ = classification.explanation
            } catch {
                throw .invalidAddress(error.reason)
            }
        default:
            if request.interface == "org.varlink.service" || request.interface == "io.bindwatch" {
                throw .methodNotFound(request.method)
            }
            throw .interfaceNotFound(request.interface)
        }
    }

    /// The one address parser (Wait, Classify, Explain, the client) documents that it accepts
    /// exactly what glibc's inet_pton accepts: they must agree, byte for byte.
    static func checkAddressParsers(_ text: String) {
        let swift = try? IPAddress(text)
        var storage = [UInt8](repeating: 0, count: 16)
        // inet_pton reads a C string, which ends at a NUL: such text is no address for either.
        let family = text.contains(":") ? AF_INET6 : AF_INET
        let accepted = !text.utf8.contains(0) && inet_pton(family, text, &storage) == 1
        let glibc = accepted ? Array(storage.prefix(family == AF_INET ? 4 : 16)) : nil
        require(
            glibc == swift?.bytes,
            "the parser and inet_pton read \(Array(text.utf8)) differently: \(String(describing: swift?.bytes)) "
                + "and \(String(describing: glibc))")
    }

    /// JSON the parser accepted, written back the way replies are written, parses to itself.
    static func checkRoundTrip(_ value: JSONValue) {
        var writer = JSONWriter()
        writer.value(value)
        let reparsed = try? JSONParser.parse(writer.bytes)
        require(reparsed == value, "JSONWriter output does not parse back: \(writer.bytes)")
    }

    /// An error reply echoes client text (a method name, a parameter name): it must stay JSON.
    static func checkErrorReply(_ error: VarlinkError) {
        let reply = VarlinkReply.error(error)
        let bytes = Array(reply.readableBytesView)
        require(bytes.last == 0 && bytes.dropLast().allSatisfy { $0 != 0 }, "error reply is not one message")
        guard case .object(let object)? = try? JSONParser.parse(bytes.dropLast()),
            object["error"] == .string(error.name), case .object(let parameters)? = object["parameters"]
        else {
            require(false, "error reply does not parse back: \(bytes)")
            return
        }
        for (name, value) in error.parameters {
            switch value {
            case .string(let text): require(parameters[name] == .string(text), "error parameter \(name) changed")
            case .integer(let number): require(parameters[name] == .number(Double(number)), "error parameter \(name)")
            case .addresses(let addresses):
                guard case .array(let values)? = parameters[name] else {
                    require(false, "error parameter \(name) is not an array")
                    return
                }
                require(values.count == addresses.count, "error parameter \(name) lost addresses")
            }
        }
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("bindwatch-fuzz-varlink: \(message())") }
    }
}

#if BINDWATCH_FUZZING
    // SwiftPM links an executable on Linux with `main` defined as `<module>_main` (so that tests can
    // link the module); hand that entry point to libFuzzer's driver. libFuzzer's own `main` is then
    // not linked.
    @_silgen_name("LLVMFuzzerRunDriver")
    func llvmFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt

    @_cdecl("bindwatch_fuzz_varlink_main")
    func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
        var argc = argc
        var argv = argv
        return llvmFuzzerRunDriver(&argc, &argv) { data, size in fuzzVarlink(data, size) }
    }
#else
    /// Replays files (or every file in directories) through the fuzz target: a regression runner.
    @main
    struct ReplayVarlinkInputs {
        static func main() throws {
            let arguments = CommandLine.arguments.dropFirst()
            guard !arguments.isEmpty else {
                print("usage: bindwatch-fuzz-varlink FILE|DIRECTORY...")
                exit(2)
            }
            var files: [String] = []
            for argument in arguments {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue {
                    let names = try FileManager.default.contentsOfDirectory(atPath: argument).sorted()
                    files += names.map { argument + "/" + $0 }
                } else {
                    files.append(argument)
                }
            }
            for file in files {
                FuzzVarlink.run(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
            }
            print("bindwatch-fuzz-varlink: \(files.count) inputs replayed, no failure")
        }
    }
#endif
