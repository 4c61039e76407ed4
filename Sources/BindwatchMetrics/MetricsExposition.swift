import BindwatchClient

/// The daemon's state in the Prometheus text exposition format (version 0.0.4), as node_exporter's
/// textfile collector and `promtool check metrics` read it. No label per address: the counts
/// are by family and state.
public enum MetricsExposition {
    /// Everything `GetStatus` says, with `bindwatch_up 1`.
    public static func render(_ status: DaemonStatus) -> String {
        var text = ""
        metric(&text, "bindwatch_up", .gauge, "1 when bindwatchd answered the exporter.", [("", 1)])
        metric(
            &text, "bindwatch_info", .gauge, "The version of bindwatchd that answered, as a label.",
            [("version=\"\(escaped(status.version))\"", 1)])
        metric(
            &text, "bindwatch_start_time_seconds", .gauge, "When bindwatchd started, in seconds since the epoch.",
            [("", status.startTime.rounded())])
        metric(
            &text, "bindwatch_addresses", .gauge,
            "Addresses of this host by family and state: bindable, or the first reason they are not.",
            status.addressStates.all.map { ("family=\"\($0.family.name)\",state=\"\($0.state)\"", Double($0.count)) })
        metric(
            &text, "bindwatch_dad_failures_total", .counter,
            "Addresses seen entering dadfailed (another host claims them) since bindwatchd started.",
            [("", Double(status.dadFailures))])
        metric(
            &text, "bindwatch_address_events_total", .counter,
            "Changes to the address table since bindwatchd started, by type.",
            [
                ("type=\"added\"", Double(status.addressEvents.added)),
                ("type=\"changed\"", Double(status.addressEvents.changed)),
                ("type=\"removed\"", Double(status.addressEvents.removed)),
            ])
        metric(
            &text, "bindwatch_links", .gauge, "Network interfaces the kernel has described.",
            [("", Double(status.links))])
        metric(
            &text, "bindwatch_synced", .gauge,
            "1 when the table is the kernel's; 0 after lost netlink events until a resync ends.",
            [("", status.synced ? 1 : 0)])
        metric(
            &text, "bindwatch_resyncs_total", .counter,
            "Full resyncs with the kernel (after an overrun of the netlink socket, or at start).",
            [("", Double(status.resyncs))])
        metric(
            &text, "bindwatch_netlink_messages_total", .counter, "rtnetlink messages read.",
            [("", Double(status.netlinkMessages))])
        metric(
            &text, "bindwatch_malformed_messages_total", .counter, "rtnetlink messages that could not be parsed.",
            [("", Double(status.malformedMessages))])
        metric(
            &text, "bindwatch_generation", .gauge, "The address table's generation (one per change).",
            [("", Double(status.generation))])
        metric(
            &text, "bindwatch_watch_subscribers", .gauge, "Open Watch calls.", [("", Double(status.subscribers))])
        metric(
            &text, "bindwatch_connections", .gauge, "Open varlink connections.", [("", Double(status.connections))])
        metric(
            &text, "bindwatch_event_log_lines_dropped_total", .counter,
            "Event log lines that could not be written since bindwatchd started.",
            [("", Double(status.eventLogLinesDropped))])
        return text
    }

    /// What a textfile holds while bindwatchd does not answer: the other series disappear
    /// rather than stay at their last values.
    public static let unreachable: String = {
        var text = ""
        metric(&text, "bindwatch_up", .gauge, "1 when bindwatchd answered the exporter.", [("", 0)])
        return text
    }()

    enum Kind: String {
        case gauge
        case counter
    }

    private static func metric(
        _ text: inout String, _ name: String, _ kind: Kind, _ help: String, _ samples: [(labels: String, value: Double)]
    ) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            text += sample.labels.isEmpty ? name : "\(name){\(sample.labels)}"
            text += " \(number(sample.value))\n"
        }
    }

    /// Integers without a fraction; others as Swift writes a Double (which Prometheus reads).
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Label values escape backslash, double quote and newline.
    static func escaped(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
