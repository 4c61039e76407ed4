// The JSON shape the daemon publishes. Absent values are written as null,
// not left out, so consumers see every field.

extension Classification: Encodable {
    private enum CodingKeys: String, CodingKey {
        case address, family, type, scope, ianaGlobalUnicast, special, globallyReachable, kernel,
            legacyKernel, precedence, label
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(address, forKey: .address)
        try container.encode(family.name, forKey: .family)
        try container.encode(type.rawValue, forKey: .type)
        try container.encode(scope.name, forKey: .scope)
        try container.encode(ianaGlobalUnicast, forKey: .ianaGlobalUnicast)
        try container.encode(special, forKey: .special)
        try container.encode(globallyReachable, forKey: .globallyReachable)
        try container.encode(kernel, forKey: .kernel)
        try container.encode(legacyKernel, forKey: .legacyKernel)
        try container.encode(precedence, forKey: .precedence)
        try container.encode(label, forKey: .label)
    }
}

extension SpecialPurpose: Encodable {
    private enum CodingKeys: String, CodingKey {
        case prefix, name, rfc, source, destination, forwardable, globallyReachable,
            reservedByProtocol
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(name, forKey: .name)
        try container.encode(rfc, forKey: .rfc)
        try container.encode(source, forKey: .source)
        try container.encode(destination, forKey: .destination)
        try container.encode(forwardable, forKey: .forwardable)
        try container.encode(globallyReachable, forKey: .globallyReachable)
        try container.encode(reservedByProtocol, forKey: .reservedByProtocol)
    }
}

extension KernelView: Encodable {
    private enum CodingKeys: String, CodingKey {
        case typeBits, gatewayAccepted
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(typeBits, forKey: .typeBits)
        try container.encode(gatewayAccepted, forKey: .gatewayAccepted)
    }
}
