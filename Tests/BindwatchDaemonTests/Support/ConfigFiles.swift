import Foundation

/// Runs `body` with the path of a temporary file holding `yaml`, removed afterwards.
func withConfigFile<Result>(_ yaml: String, _ body: (String) async throws -> Result) async throws -> Result {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("bindwatch-\(UUID().uuidString).yaml")
        .path
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
