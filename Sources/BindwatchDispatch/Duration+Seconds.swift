extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension Double {
    /// Three decimals, without Foundation's formatting.
    var formatted3: String {
        let thousandths = (self * 1000).rounded()
        let whole = Int(thousandths / 1000)
        let fraction = Int(thousandths) - whole * 1000
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: 3 - digits.count) + digits
    }
}
