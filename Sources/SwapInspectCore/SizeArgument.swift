/// A size as util-linux's tools take it (`parse_size`, lib/strutils.c): a number (C `strtoumax` base 0:
/// `0x` hex, a leading `0` octal), optionally a fraction, and a suffix `K M G T P E Z Y` (either case)
/// meaning powers of 1024, also spelled `KiB`, `MiB`…, or `KB`, `MB`… for powers of 1000. No suffix:
/// bytes. `512M`, `4G`, `4GiB`, `1500MB`, `1.5G` and `1073741824` are all sizes.
public enum SizeArgument {
    public enum Failure: Error, Equatable, Sendable {
        /// Not a size (util-linux: EINVAL).
        case invalid
        /// Larger than 2^64 - 1 bytes (util-linux: ERANGE).
        case outOfRange
    }

    static let binarySuffixes = Array("KMGTPEZY".utf8)
    static let lowerSuffixes = Array("kmgtpezy".utf8)

    public static func parse(_ text: String) throws(Failure) -> UInt64 {
        let chars = Array(text.utf8)
        var position = 0
        while position < chars.count, isSpace(chars[position]) { position += 1 }
        if position < chars.count, chars[position] == UInt8(ascii: "-") { throw .invalid }
        guard let (whole, afterNumber) = try strtoumax(chars, from: position, base0: true) else { throw .invalid }
        var value = whole
        var p = afterNumber
        if p == chars.count { return value }
        var fraction: UInt64 = 0
        var fractionZeros = 0
        var base: UInt64 = 1024
        // check_suffix: `iB` (1024) or `B` (1000) after the letter, else a decimal point and a fraction.
        while true {
            let next = at(chars, p + 1), afterNext = at(chars, p + 2)
            if next == UInt8(ascii: "i"), afterNext == UInt8(ascii: "B") || afterNext == UInt8(ascii: "b"), p + 3 == chars.count {
                base = 1024
            } else if next == UInt8(ascii: "B") || next == UInt8(ascii: "b"), p + 2 == chars.count {
                base = 1000
            } else if p + 1 < chars.count {
                guard fraction == 0, chars[p] == UInt8(ascii: ".") else { throw .invalid }
                p += 1
                while at(chars, p) == UInt8(ascii: "0") { fractionZeros += 1; p += 1 }
                if let digit = at(chars, p), isDigit(digit) {
                    guard let (parsed, end) = try strtoumax(chars, from: p, base0: true) else { throw .invalid }
                    fraction = parsed
                    p = end
                }
                if fraction != 0 && p == chars.count { throw .invalid }  // a fraction without a suffix
                continue
            }
            break
        }
        guard p < chars.count else { throw .invalid }
        let power: Int
        if let index = binarySuffixes.firstIndex(of: chars[p]) {
            power = index + 1
        } else if let index = lowerSuffixes.firstIndex(of: chars[p]) {
            power = index + 1
        } else {
            throw .invalid
        }
        value = try scale(value, base: base, power: power)
        if fraction != 0 { value = try addFraction(fraction, zeros: fractionZeros, to: value, base: base, power: power) }
        return value
    }

    /// The fraction's digits, last first, each as a share of one unit (util-linux's arithmetic, its
    /// rounding down included).
    static func addFraction(_ fraction: UInt64, zeros: Int, to value: UInt64, base: UInt64, power: Int) throws(Failure) -> UInt64 {
        var value = value
        let unit = try scale(1, base: base, power: power)
        var divisor: UInt64 = 10
        while divisor < fraction {
            guard divisor <= UInt64.max / 10 else { throw .outOfRange }
            divisor *= 10
        }
        for _ in 0..<zeros {
            guard divisor <= UInt64.max / 10 else { throw .outOfRange }
            divisor *= 10
        }
        var remaining = fraction
        var position: UInt64 = 1
        repeat {
            let digit = remaining % 10
            let segment = divisor / position
            remaining /= 10
            position = position.multipliedReportingOverflow(by: 10).partialValue
            if digit != 0, segment / digit != 0 {
                let (sum, overflow) = value.addingReportingOverflow(unit / (segment / digit))
                guard !overflow else { throw .outOfRange }
                value = sum
            }
        } while remaining != 0
        return value
    }

    static func scale(_ value: UInt64, base: UInt64, power: Int) throws(Failure) -> UInt64 {
        var result = value
        for _ in 0..<power {
            let (product, overflow) = result.multipliedReportingOverflow(by: base)
            guard !overflow else { throw .outOfRange }
            result = product
        }
        return result
    }

    /// C `strtoumax(…, 0)` from `start` (after leading space and an optional `+`): nil when no digit
    /// was read.
    static func strtoumax(_ chars: [UInt8], from start: Int, base0: Bool) throws(Failure) -> (UInt64, Int)? {
        var p = start
        while p < chars.count, isSpace(chars[p]) { p += 1 }
        if at(chars, p) == UInt8(ascii: "+") { p += 1 }
        var radix: UInt64 = 10
        if at(chars, p) == UInt8(ascii: "0") {
            if let x = at(chars, p + 1), x == UInt8(ascii: "x") || x == UInt8(ascii: "X"), let h = at(chars, p + 2), digitValue(h, radix: 16) != nil {
                radix = 16
                p += 2
            } else {
                radix = 8
            }
        }
        var value: UInt64 = 0
        var digits = 0
        while let c = at(chars, p), let digit = digitValue(c, radix: radix) {
            let (product, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = product.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw .outOfRange }
            value = sum
            digits += 1
            p += 1
        }
        return digits == 0 ? nil : (value, p)
    }

    static func at(_ chars: [UInt8], _ index: Int) -> UInt8? { index < chars.count ? chars[index] : nil }
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0D).contains(c) }
    static func isDigit(_ c: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }

    static func digitValue(_ c: UInt8, radix: UInt64) -> UInt64? {
        let value: UInt64
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = UInt64(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): value = UInt64(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
        return value < radix ? value : nil
    }
}
