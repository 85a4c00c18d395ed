/// The first page of a new swap area, as `mkswap` writes it (util-linux mkswap.c): the boot area
/// (bytes 0–1023) zero, then `struct swap_header_v1_2` — version 1, `last_page`, `nr_badpages` 0,
/// the UUID, the label — and `SWAPSPACE2` in the last ten bytes of the page. Every integer is written
/// field by field in the requested byte order; nothing else in the page is set.
public enum SwapHeaderWriter {
    /// `SWAP_HEADER_VERSION`, the only version `read_swap_header` accepts.
    public static let version: UInt32 = 1
    /// `MIN_GOODPAGES` of mkswap: the smallest area it makes (header page included).
    public static let minimumPages: UInt64 = 10
    static let magic = Array("SWAPSPACE2".utf8)
    /// mkswap copies the label with `xstrncpy` into the 16 bytes of `volume_name`: always NUL-terminated,
    /// so at most 15 bytes of it survive.
    public static let maximumLabelBytes = SwapHeaderLayout.labelLength - 1

    /// One page of `pageSize` bytes for an area of `pages` pages (the header page included), so
    /// `last_page` = `pages - 1`. `uuid` is 16 bytes; `label` at most `maximumLabelBytes`.
    public static func page(pageSize: Int, pages: UInt64, uuid: [UInt8], label: String?, byteOrder: ByteOrder = .native)
        -> [UInt8]
    {
        precondition(uuid.count == SwapHeaderLayout.uuidLength, "a UUID is 16 bytes")
        precondition(pages >= 1 && pages - 1 <= UInt64(UInt32.max), "last_page is a u32")
        var bytes = [UInt8](repeating: 0, count: pageSize)
        write(version, at: SwapHeaderLayout.versionOffset, byteOrder, into: &bytes)
        write(UInt32(pages - 1), at: SwapHeaderLayout.lastPageOffset, byteOrder, into: &bytes)
        write(0, at: SwapHeaderLayout.nrBadPagesOffset, byteOrder, into: &bytes)
        bytes.replaceSubrange(SwapHeaderLayout.uuidOffset..<(SwapHeaderLayout.uuidOffset + SwapHeaderLayout.uuidLength), with: uuid)
        if let label {
            let labelBytes = Array(label.utf8.prefix(maximumLabelBytes))
            bytes.replaceSubrange(SwapHeaderLayout.labelOffset..<(SwapHeaderLayout.labelOffset + labelBytes.count), with: labelBytes)
        }
        let magicStart = pageSize - SwapHeaderLayout.magicLength
        bytes.replaceSubrange(magicStart..<pageSize, with: magic)
        return bytes
    }

    static func write(_ value: UInt32, at offset: Int, _ order: ByteOrder, into bytes: inout [UInt8]) {
        let ordered = order == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: ordered) { raw in
            for index in 0..<4 { bytes[offset + index] = raw[index] }
        }
    }
}

extension ByteOrder {
    /// The byte order of the machine running swapinspect (mkswap writes the header in it).
    public static var native: ByteOrder { UInt32(1).littleEndian == 1 ? .little : .big }
}

/// A swap area's UUID: parsed from the text util-linux prints, or made (version 4, random) from bytes
/// the caller draws (the core draws no randomness itself).
public enum SwapUUID {
    /// `b4f7ce89-32f9-4f0c-94b2-5963f96831a4` (case-insensitive, as libuuid's `uuid_parse`), or nil.
    public static func parse(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < utf8.count {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard utf8[index] == UInt8(ascii: "-") else { return nil }
                index += 1
                continue
            }
            guard index + 1 < utf8.count, let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes.count == 16 ? bytes : nil
    }

    /// A random (version 4, RFC 4122 variant) UUID from 16 random bytes, as libuuid's `uuid_generate`.
    public static func version4(_ random: [UInt8]) -> [UInt8] {
        precondition(random.count == 16, "a UUID is 16 bytes")
        var bytes = random
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return bytes
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
