/// The permission bits of a mode as four octal digits (`0600`), as chmod(1) takes them.
public func octalMode(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
