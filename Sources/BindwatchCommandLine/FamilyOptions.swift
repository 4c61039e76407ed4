import ArgumentParser
import BindwatchClient

/// `-4`, `-6` or `--family`: the address family a command is about.
public struct FamilyOptions: ParsableArguments, Sendable {
    @Flag(name: .customShort("4"), help: "IPv4 only.")
    public var inet = false

    @Flag(name: .customShort("6"), help: "IPv6 only.")
    public var inet6 = false

    @Option(name: .customLong("family"), help: "Only this family: inet or inet6, as bindwatchd's --family.")
    public var familyName: String?

    public init() {}

    public func validate() throws {
        if [inet, inet6, familyName != nil].count(where: { $0 }) > 1 {
            throw ValidationError("-4, -6 and --family exclude each other")
        }
        if let familyName, AddressFamily(name: familyName) == nil {
            throw ValidationError("--family must be inet or inet6, not \(familyName)")
        }
    }

    /// The family asked for; nil for both.
    public var family: AddressFamily? {
        inet ? .inet : inet6 ? .inet6 : familyName.flatMap(AddressFamily.init(name:))
    }

    public func write(to json: inout JSONWriter) {
        if let family { json.field("family", family.name) }
    }
}
