/// The escape forms the kernel and util-linux use in text files, decoded in one place.
public enum Escapes {
    /// `\NNN` octal escapes, as seq_file (`/proc/swaps`, mountinfo) and fstab(5) write them:
    /// `\040` space, `\011` tab, `\012` newline, `\134` backslash.
    public static func octal<S: Sequence<UInt8>>(_ text: S) -> String {
        decode(Array(text), marker: nil, digits: 3, radix: 8)
    }

    /// `\xNN` hexadecimal escapes, as /dev/kmsg and udev (`/dev/disk/by-label`) write them.
    public static func hex<S: Sequence<UInt8>>(_ text: S) -> String {
        decode(Array(text), marker: UInt8(ascii: "x"), digits: 2, radix: 16)
    }

    /// The other way, for a terminal: control characters (C0, DEL and C1) as `\xNN`, the way /dev/kmsg
    /// writes them, so that a name read from a disk cannot move the cursor, set a title or start a new line.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                let digits = String(scalar.value, radix: 16)
                out += "\\x" + (digits.count == 1 ? "0" + digits : digits)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    static func digitValue(_ byte: UInt8, radix: Int) -> Int? {
        let value: Int
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
        return value < radix ? value : nil
    }

    static func decode(_ bytes: [UInt8], marker: UInt8?, digits: Int, radix: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let prefix = marker == nil ? 1 : 2
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + prefix + digits <= bytes.count,
                marker == nil || bytes[index + 1] == marker
            {
                var value = 0
                var valid = true
                for offset in 0..<digits {
                    guard let digit = digitValue(bytes[index + prefix + offset], radix: radix) else {
                        valid = false
                        break
                    }
                    value = value * radix + digit
                }
                if valid && value <= 255 {
                    out.append(UInt8(value))
                    index += prefix + digits
                    continue
                }
            }
            out.append(bytes[index])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
