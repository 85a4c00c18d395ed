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
