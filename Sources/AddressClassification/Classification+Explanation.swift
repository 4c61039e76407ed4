extension Classification {
    /// A few sentences on what the address is and why, for logs and CLI
    /// output. For 1000::1: global unicast by RFC 4291 but outside IANA's
    /// 2000::/3; RESERVED to a 2.6.3x kernel, so a gateway there is refused;
    /// accepted since 3.0.
    public var explanation: String {
        var sentences = [typeSentence]
        if let special {
            var sentence = "IANA's special-purpose registry lists it in \(special.prefix), "
            sentence += "\"\(special.name)\" (\(special.rfc))"
            if let terminated = special.terminationDate { sentence += ", terminated \(terminated)" }
            sentences.append(sentence + ".")
        }
        sentences.append(reachabilitySentence)
        if let legacyKernel, let kernel {
            sentences.append(Self.kernelSentence(legacy: legacyKernel, modern: kernel))
        }
        return sentences.joined(separator: " ")
    }

    private var typeSentence: String {
        let rule = ipAddress.addressTypeRule
        var phrase = type.phrase
        if type == .multicast { phrase += " of \(scope.name) scope" }
        if type == .ipv4Mapped, let ipv4 = ipAddress.unmappedIPv4 { phrase += " (for \(ipv4))" }
        var sentence = "\(address) is \(phrase) by \(rule.rfc)"
        if type.isDeprecated { sentence += ", which is deprecated" }
        if type == .globalUnicast, let inside = ianaGlobalUnicast {
            sentence +=
                inside
                ? ", inside IANA's 2000::/3"
                : ", but outside IANA's 2000::/3, the only block IANA allocates global unicast from"
        }
        return sentence + "."
    }

    private var reachabilitySentence: String {
        let reason: String
        if let special {
            reason =
                special.globallyReachable == nil
                ? "the registry gives no True/False, which counts as not" : "per that registry row"
        } else if type == .multicast {
            reason = "multicast counts only at global scope"
        } else if let inside = ianaGlobalUnicast {
            reason = inside ? "no registry row restricts it" : "it is outside 2000::/3"
        } else {
            reason = "no registry row restricts it"
        }
        return "It is \(globallyReachable ? "" : "not ")globally reachable (\(reason))."
    }

    private static func kernelSentence(legacy: KernelView, modern: KernelView) -> String {
        func typeText(_ view: KernelView) -> String {
            "\(view.type.flagNames.joined(separator: "|")) (\(view.type.hex))"
        }
        func gatewayText(_ view: KernelView) -> String { view.gatewayAccepted ? "accepted" : "refused" }

        if legacy.type == modern.type && legacy.gatewayAccepted == modern.gatewayAccepted {
            return
                "Linux types it \(typeText(modern)), so a route gateway there is \(gatewayText(modern))."
        }
        if legacy.type == modern.type {
            return "Linux types it \(typeText(modern)); a route gateway there is "
                + "\(gatewayText(legacy)) by a \(legacy.rules.era) kernel and "
                + "\(gatewayText(modern)) since \(modern.rules.era)."
        }
        return "To a \(legacy.rules.era) kernel it is \(typeText(legacy)), so a route gateway there "
            + "is \(gatewayText(legacy)); it is \(gatewayText(modern)) since \(modern.rules.era), "
            + "which types it \(typeText(modern))."
    }
}
