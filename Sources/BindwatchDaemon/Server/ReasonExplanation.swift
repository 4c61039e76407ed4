import BindwatchModel

/// One reason an address is not bindable, with the kernel rule or setting behind it.
struct ReasonExplanation: Equatable {
    var reason: String
    /// `kernel`, or the setting's YAML key.
    var source: String
    var detail: String

    static func explain(_ address: Address, policy: BindPolicy) -> [ReasonExplanation] {
        var explanations: [ReasonExplanation] = []
        for name in address.reasons.names {
            switch name {
            case "dadfailed":
                explanations.append(
                    ReasonExplanation(
                        reason: name, source: "kernel",
                        detail: "Duplicate Address Detection found another node using this address (IFA_F_DADFAILED); "
                            + "bind() fails with EADDRNOTAVAIL"))
            case "tentative":
                explanations.append(
                    ReasonExplanation(
                        reason: name, source: "kernel",
                        detail: "Duplicate Address Detection is still running (IFA_F_TENTATIVE, not optimistic); "
                            + "bind() fails with EADDRNOTAVAIL until it ends"))
            case "optimistic":
                explanations.append(
                    ReasonExplanation(
                        reason: name, source: SettingKey.allowOptimistic.path,
                        detail: "optimistic DAD is running; bind() works, but policy.allowOptimistic is false"))
            case "deprecated":
                explanations.append(
                    ReasonExplanation(
                        reason: name, source: SettingKey.allowDeprecated.path,
                        detail: "the preferred lifetime has ended; bind() works, but policy.allowDeprecated is false"))
            case "link-down":
                explanations.append(
                    ReasonExplanation(
                        reason: name, source: SettingKey.link.path,
                        detail: "interface \(address.interface) is not \(policy.link.rawValue) "
                            + "(policy.link: \(policy.link.rawValue))"))
            case "interface-excluded":
                let detail: String
                if let glob = policy.excludeInterfaces.first(where: { BindPolicy.glob($0, matches: address.interface) })
                {
                    detail = "interface \(address.interface) matches policy.excludeInterfaces \"\(glob)\""
                } else {
                    detail =
                        "interface \(address.interface) matches none of policy.includeInterfaces "
                        + policy.includeInterfaces.map { "\"\($0)\"" }.joined(separator: ", ")
                }
                let source =
                    policy.excludeInterfaces.contains { BindPolicy.glob($0, matches: address.interface) }
                    ? SettingKey.excludeInterfaces.path : SettingKey.includeInterfaces.path
                explanations.append(ReasonExplanation(reason: name, source: source, detail: detail))
            case "family-excluded":
                explanations.append(
                    ReasonExplanation(
                        reason: name, source: SettingKey.families.path,
                        detail: "family \(address.family.name) is not in policy.families"))
            case "type-excluded":
                explanations.append(
                    ReasonExplanation(
                        reason: name, source: SettingKey.excludeTypes.path,
                        detail: "type \(address.type.rawValue) is in policy.excludeTypes"))
            default:
                break
            }
        }
        return explanations
    }
}
