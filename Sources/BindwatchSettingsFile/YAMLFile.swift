import CBindwatchYAML
import Glibc

/// A YAML document as settings files use it: mappings, sequences and scalars, each with the
/// line it starts on. Read with libyaml; anchors, aliases and tags are refused.
package struct YAMLNode: Sendable, Equatable {
    package enum Value: Sendable, Equatable {
        /// `quoted`: written in quotes (or as a block), so a string whatever it looks like.
        case scalar(String, quoted: Bool)
        case sequence([YAMLNode])
        case mapping([YAMLEntry])
    }

    package var value: Value
    package var line: Int
}

package struct YAMLEntry: Sendable, Equatable {
    package var key: String
    package var value: YAMLNode
}

/// Why a YAML file could not be read.
package enum YAMLFileError: Error, Equatable {
    /// open or read failed with this errno.
    case unreadable(errno: Int32)
    /// Not YAML, or YAML this reader does not take; the text says what and where.
    case invalid(String)
}

package enum YAMLFile {
    /// The file's one document; nil when it has none (empty, or comments only).
    package static func read(path: String) throws(YAMLFileError) -> YAMLNode? {
        var document = bw_yaml_document()
        defer { bw_yaml_free(&document) }
        let result = bw_yaml_read_file(path, &document)
        if result < 0 { throw .unreadable(errno: -result) }
        if result == 1 {
            let problem = withUnsafeBytes(of: document.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw .invalid("line \(document.error_line), column \(document.error_column): \(problem)")
        }
        var events: [Event] = []
        events.reserveCapacity(document.count)
        for index in 0..<document.count {
            let event = document.events[index]
            let text = event.value.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: event.length), as: UTF8.self)
            }
            events.append(Event(kind: event.kind, quoted: event.quoted != 0, line: event.line, text: text ?? ""))
        }
        var parser = TreeBuilder(events: events)
        return try parser.document()
    }

    /// One libyaml event, copied out of C memory.
    fileprivate struct Event {
        var kind: Int32
        var quoted: Bool
        var line: Int
        var text: String
    }

    /// Builds the tree from the events, recursively: settings files are shallow.
    fileprivate struct TreeBuilder {
        let events: [Event]
        var position = 0

        mutating func document() throws(YAMLFileError) -> YAMLNode? {
            var root: YAMLNode?
            while position < events.count {
                let event = events[position]
                position += 1
                guard event.kind == Int32(BW_YAML_DOCUMENT_START.rawValue) else {
                    throw .invalid("line \(event.line): unexpected content")
                }
                guard root == nil else { throw .invalid("line \(event.line): more than one YAML document") }
                // An empty document (`---` alone) has a null scalar.
                root = try node()
                if case .scalar(let text, let quoted)? = root?.value, !quoted, YAMLNode.isNull(text) { root = nil }
            }
            return root
        }

        private mutating func node() throws(YAMLFileError) -> YAMLNode {
            guard position < events.count else { throw .invalid("the document ends too early") }
            let event = events[position]
            position += 1
            switch event.kind {
            case Int32(BW_YAML_SCALAR.rawValue):
                return YAMLNode(value: .scalar(event.text, quoted: event.quoted), line: event.line)
            case Int32(BW_YAML_SEQUENCE_START.rawValue):
                var items: [YAMLNode] = []
                while !atEnd(Int32(BW_YAML_SEQUENCE_END.rawValue)) { items.append(try node()) }
                return YAMLNode(value: .sequence(items), line: event.line)
            case Int32(BW_YAML_MAPPING_START.rawValue):
                var entries: [YAMLEntry] = []
                while !atEnd(Int32(BW_YAML_MAPPING_END.rawValue)) {
                    let key = try node()
                    guard case .scalar(let name, _) = key.value else {
                        throw .invalid("line \(key.line): a key must be a plain name")
                    }
                    guard !entries.contains(where: { $0.key == name }) else {
                        throw .invalid("line \(key.line): the key \(name) is given twice")
                    }
                    entries.append(YAMLEntry(key: name, value: try node()))
                }
                return YAMLNode(value: .mapping(entries), line: event.line)
            case Int32(BW_YAML_ALIAS.rawValue):
                throw .invalid("line \(event.line): anchors and aliases are not supported")
            default:
                throw .invalid("line \(event.line): unexpected content")
            }
        }

        /// True, and past it, when the next event is the end `kind`.
        private mutating func atEnd(_ kind: Int32) -> Bool {
            guard position < events.count, events[position].kind == kind else { return false }
            position += 1
            return true
        }
    }
}

extension YAMLNode {
    /// YAML's null: `~`, `null`, or nothing at all.
    package static func isNull(_ text: String) -> Bool {
        text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// A plain scalar as a boolean: YAML 1.2's true and false, and 1.1's yes, no, on, off.
    package var bool: Bool? {
        guard case .scalar(let text, quoted: false) = value else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// A plain scalar as an integer: decimal with an optional sign, or 0x hexadecimal, 0o octal.
    package var int: Int? {
        guard case .scalar(let text, quoted: false) = value else { return nil }
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        let radix: Int
        if digits.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0o") {
            radix = 8
            digits = digits.dropFirst(2)
        } else {
            radix = 10
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isHexDigit }), let magnitude = Int(digits, radix: radix) else {
            return nil
        }
        return negative ? -magnitude : magnitude
    }

    /// Any scalar's text; nil for null and for collections.
    package var string: String? {
        guard case .scalar(let text, let quoted) = value, quoted || !Self.isNull(text) else { return nil }
        return text
    }

    package var isNull: Bool {
        if case .scalar(let text, quoted: false) = value { return Self.isNull(text) }
        return false
    }
}

extension YAMLFile {
    /// Why a settings file could not be read, as text for a message that names the file.
    package struct SettingsFileUnreadable: Error {
        package var problem: String
    }

    /// The settings file's document; nil when it has none, or when it is missing and was not
    /// `required` (the default path may be missing, a path the user named may not).
    package static func readSettings(path: String, required: Bool) throws(SettingsFileUnreadable) -> YAMLNode? {
        do {
            return try read(path: path)
        } catch {
            switch error {
            case .unreadable(let code) where code == ENOENT && !required:
                return nil
            case .unreadable(let code):
                throw SettingsFileUnreadable(problem: String(cString: strerror(code)))
            case .invalid(let problem):
                throw SettingsFileUnreadable(problem: problem)
            }
        }
    }
}
