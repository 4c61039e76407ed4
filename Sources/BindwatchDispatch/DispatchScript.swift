/// A program in a dispatch directory that passed the checks, to be run on changes.
public struct DispatchScript: Sendable, Equatable {
    /// The file's name, which orders the scripts and lets /etc override a packaged one.
    public var name: String
    public var path: String
}
