/// 64.0 MiB, 1.5 GiB, 512 B — binary units as util-linux prints them.
func humanSize(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    if bytes < 1024 { return "\(bytes) B" }
    var unit = 0
    var whole = bytes
    while whole >= 1024 * 1024 && unit < units.count - 2 {
        whole /= 1024
        unit += 1
    }
    // one decimal place from the remaining factor of 1024
    let tenths = (whole * 10 + 512) / 1024
    return "\(tenths / 10).\(tenths % 10) \(units[unit + 1])"
}

/// `128M`, `1.5G`, `0B`: util-linux's `size_to_human_string(SIZE_SUFFIX_1LETTER, bytes)` (lib/strutils.c),
/// which `swapon --show` prints SIZE and USED with; step by step, so the two never differ by a digit.
func swaponSize(_ bytes: UInt64) -> String {
    let letters: [Character] = ["B", "K", "M", "G", "T", "P", "E"]
    // get_exp: the largest multiple of 10 bits below the value.
    var shift = 10
    while shift <= 60 && bytes >= (UInt64(1) << UInt64(shift)) { shift += 10 }
    let exp = shift - 10
    let suffix = letters[exp / 10]
    var whole = exp > 0 ? bytes >> UInt64(exp) : bytes
    var fraction = exp > 0 ? bytes & ((UInt64(1) << UInt64(exp)) - 1) : 0
    if fraction > 0 {
        // Three digits after the point, then rounded 4/5 to one (SIZE_DECIMAL_2DIGITS is not asked for).
        if fraction >= UInt64.max / 1000 {
            fraction = ((fraction / 1024) * 1000) / (UInt64(1) << UInt64(exp - 10))
        } else {
            fraction = (fraction * 1000) / (UInt64(1) << UInt64(exp))
        }
        fraction = ((fraction + 50) / 100) * 10
        if fraction == 100 {
            whole += 1
            fraction = 0
        }
    }
    guard fraction > 0 else { return "\(whole)\(suffix)" }
    // "%d.%02d" with a trailing zero removed: 50 → ".5" (the C locale's decimal point).
    var digits = fraction < 10 ? "0\(fraction)" : "\(fraction)"
    if digits.hasSuffix("0") { digits.removeLast() }
    return "\(whole).\(digits)\(suffix)"
}
