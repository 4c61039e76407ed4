import Foundation

/// Runs external commands (ip, python) for the integration tests.
enum Command {
    struct Failure: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var output: String
        var description: String { "\(command.joined(separator: " ")) exited \(status): \(output)" }
    }

    /// Runs to completion; throws on a non-zero exit. Returns stdout.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws -> String {
        let result = try runAllowingFailure(arguments, input: input)
        guard result.status == 0 else {
            throw Failure(command: arguments, status: result.status, output: result.output + result.error)
        }
        return result.output
    }

    static func runAllowingFailure(_ arguments: [String], input: String? = nil) throws -> (
        status: Int32, output: String, error: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        // Input goes through a file: a child that exits early must not break a pipe under us.
        var inputFile: URL?
        if let input {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "bindwatch-input-\(UUID().uuidString)")
            try Data(input.utf8).write(to: url)
            process.standardInput = try FileHandle(forReadingFrom: url)
            inputFile = url
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        defer { inputFile.map { try? FileManager.default.removeItem(at: $0) } }
        try process.run()
        // Read before waiting: a full pipe would otherwise block the child.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }

    /// The repository's root, for scripts/.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func script(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("scripts/\(name)").path
    }
}
