/// Text written straight into byte arrays: ids and JSON are built byte by byte.
extension [UInt8] {
    /// Appends `value` in decimal.
    package mutating func appendDecimal(_ value: UInt64) {
        var digits = 1
        var power: UInt64 = 10
        while digits < 20 && value >= power {
            digits += 1
            power = power.multipliedReportingOverflow(by: 10).partialValue
        }
        let start = count
        append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var rest = value
        for position in stride(from: start + digits - 1, through: start, by: -1) {
            self[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}
