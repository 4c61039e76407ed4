import ArgumentParser
import BindwatchClient

/// The family and interface filter of `list`, `watch` and bindwatch-dispatch.
public struct FilterOptions: ParsableArguments, Sendable {
    @OptionGroup public var family: FamilyOptions

    @Option(help: "Only addresses on this interface.")
    public var interface: String?

    public init() {}

    public func write(to json: inout JSONWriter) {
        family.write(to: &json)
        if let interface { json.field("interface", interface) }
    }
}
