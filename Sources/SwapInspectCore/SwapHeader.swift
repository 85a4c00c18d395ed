/// Byte order of the integer fields of a swap header.
public enum ByteOrder: String, Sendable, Equatable {
    case little, big
}

/// What a signature means to `swapon(2)`.
public enum SignatureKind: Sendable, Equatable {
    /// `SWAPSPACE2`: the v1 header the kernel understands.
    case swapV1
    /// `SWAP-SPACE`: the pre-2.2 v0 header with a bitmap; the kernel no longer reads it.
    case swapV0
    /// A suspend-to-disk image occupies the area (the kernel's own swsusp, uswsusp, TuxOnIce, …).
    case hibernation
}

/// The offsets of `union swap_header` (include/linux/swap.h), one page at offset 0.
/// Read field by field with an explicit byte order; no struct is cast onto the bytes.
public enum SwapHeaderLayout {
    public static let versionOffset = 1024
    public static let lastPageOffset = 1028
    public static let nrBadPagesOffset = 1032
    public static let uuidOffset = 1036
    public static let uuidLength = 16
    public static let labelOffset = 1052
    public static let labelLength = 16
    public static let badPagesOffset = 1536
    public static let magicLength = 10
    /// The page sizes Linux runs with, and so the places a signature can sit (`PAGE - 10`).
    public static let candidatePageSizes = [4096, 8192, 16384, 32768, 65536]
    /// Bytes to read so that every candidate page is covered.
    public static let probeLength = 65536
    /// TuxOnIce writes its magic at byte 0 rather than at the end of the page.
    public static let tuxOnIceMagic: [UInt8] = [0xED, 0xC3, 0x02, 0xE9, 0x98, 0x56, 0xE5, 0x0C]

    /// `MAX_SWAP_BADPAGES`: how many bad-page entries fit between offset 1536 and the magic.
    /// The swap header a hibernation image was written over, for its layout: swsusp's header
    /// (`struct swsusp_header`, kernel/power/swap.c) keeps the page's fields and the original magic in
    /// `orig_sig`, the 10 bytes before `sig`, and `swsusp_unmark` puts it back. nil when `orig_sig` is
    /// not a swap magic.
    public static func headerUnderHibernationImage(_ bytes: [UInt8], pageSize: Int) -> [UInt8]? {
        guard pageSize >= 2 * magicLength, bytes.count >= pageSize else { return nil }
        let original = Array(bytes[(pageSize - 2 * magicLength)..<(pageSize - magicLength)])
        guard original == Array("SWAPSPACE2".utf8) || original == Array("SWAP-SPACE".utf8) else { return nil }
        var restored = bytes
        restored.replaceSubrange((pageSize - magicLength)..<pageSize, with: original)
        return restored
    }

    public static func maxBadPages(pageSize: Int) -> UInt32 {
        UInt32((pageSize - magicLength - badPagesOffset) / 4)
    }

    static let signatures: [(text: String, kind: SignatureKind)] = [
        ("SWAPSPACE2", .swapV1),
        ("SWAP-SPACE", .swapV0),
        ("S1SUSPEND", .hibernation),
        ("S2SUSPEND", .hibernation),
        ("ULSUSPEND", .hibernation),
        ("LINHIB0001", .hibernation),
    ]
}

/// A signature found in the first bytes of a swap area, with the v1 fields decoded.
public struct SwapHeader: Sendable, Equatable {
    public var signature: String
    public var kind: SignatureKind
    /// The page size at whose end the magic sits.
    public var pageSize: Int
    /// v1 only: the byte order of the fields (the kernel swaps a header whose version reads 0x01000000).
    public var byteOrder: ByteOrder?
    /// v1 only: the version field after the kernel's byte-swap rule, and as the kernel prints it (`%d`).
    public var version: UInt32?
    public var lastPage: UInt32?
    public var nrBadPages: UInt32?
    /// The bad-page entries the kernel would read (at most `MAX_SWAP_BADPAGES`).
    public var badPages: [UInt32]
    public var uuid: String?
    public var label: String?

    public init(
        signature: String, kind: SignatureKind, pageSize: Int, byteOrder: ByteOrder? = nil,
        version: UInt32? = nil, lastPage: UInt32? = nil, nrBadPages: UInt32? = nil,
        badPages: [UInt32] = [], uuid: String? = nil, label: String? = nil
    ) {
        self.signature = signature
        self.kind = kind
        self.pageSize = pageSize
        self.byteOrder = byteOrder
        self.version = version
        self.lastPage = lastPage
        self.nrBadPages = nrBadPages
        self.badPages = badPages
        self.uuid = uuid
        self.label = label
    }
}

/// Signature detection never fails: it reports what is there at every candidate page size.
public enum SwapHeaderDetector {
    /// Every signature in `bytes` (the first up to 64 KiB of the area), smallest page size first.
    public static func detectAll(_ bytes: [UInt8]) -> [SwapHeader] {
        var found: [SwapHeader] = []
        if bytes.count >= SwapHeaderLayout.tuxOnIceMagic.count,
            Array(bytes[0..<SwapHeaderLayout.tuxOnIceMagic.count]) == SwapHeaderLayout.tuxOnIceMagic
        {
            found.append(SwapHeader(signature: "TuxOnIce", kind: .hibernation, pageSize: 0))
        }
        for pageSize in SwapHeaderLayout.candidatePageSizes where bytes.count >= pageSize {
            if let header = detect(bytes, pageSize: pageSize) {
                found.append(header)
            }
        }
        return found
    }

    /// The signature at the end of a page of `pageSize` bytes, if any.
    public static func detect(_ bytes: [UInt8], pageSize: Int) -> SwapHeader? {
        guard bytes.count >= pageSize, pageSize >= SwapHeaderLayout.badPagesOffset + SwapHeaderLayout.magicLength
        else { return nil }
        let magicStart = pageSize - SwapHeaderLayout.magicLength
        for (text, kind) in SwapHeaderLayout.signatures {
            let magic = Array(text.utf8)
            guard bytes[magicStart..<(magicStart + magic.count)].elementsEqual(magic) else { continue }
            var header = SwapHeader(signature: text, kind: kind, pageSize: pageSize)
            if kind == .swapV1 {
                decodeV1(bytes, pageSize: pageSize, into: &header)
            }
            return header
        }
        return nil
    }

    /// The fields of a v1 header, with the byte-order rule of `read_swap_header`:
    /// a version that reads 1 only after swapping marks a header of the other byte order.
    static func decodeV1(_ bytes: [UInt8], pageSize: Int, into header: inout SwapHeader) {
        let rawVersion = readUInt32(bytes, at: SwapHeaderLayout.versionOffset, .little)
        let order: ByteOrder = (rawVersion != 1 && rawVersion.byteSwapped == 1) ? .big : .little
        header.byteOrder = order
        header.version = readUInt32(bytes, at: SwapHeaderLayout.versionOffset, order)
        header.lastPage = readUInt32(bytes, at: SwapHeaderLayout.lastPageOffset, order)
        let count = readUInt32(bytes, at: SwapHeaderLayout.nrBadPagesOffset, order)
        header.nrBadPages = count
        let readable = Int(min(count, SwapHeaderLayout.maxBadPages(pageSize: pageSize)))
        header.badPages = (0..<readable).map {
            readUInt32(bytes, at: SwapHeaderLayout.badPagesOffset + 4 * $0, order)
        }
        let uuid = Array(bytes[SwapHeaderLayout.uuidOffset..<(SwapHeaderLayout.uuidOffset + SwapHeaderLayout.uuidLength)])
        header.uuid = uuid.allSatisfy { $0 == 0 } ? nil : formatUUID(uuid)
        let labelBytes = bytes[SwapHeaderLayout.labelOffset..<(SwapHeaderLayout.labelOffset + SwapHeaderLayout.labelLength)]
        let label = labelBytes.prefix { $0 != 0 }
        header.label = label.isEmpty ? nil : String(decoding: label, as: UTF8.self)
    }
}

func readUInt32(_ bytes: [UInt8], at offset: Int, _ order: ByteOrder) -> UInt32 {
    let b0 = UInt32(bytes[offset]), b1 = UInt32(bytes[offset + 1])
    let b2 = UInt32(bytes[offset + 2]), b3 = UInt32(bytes[offset + 3])
    switch order {
    case .little: return b0 | b1 << 8 | b2 << 16 | b3 << 24
    case .big: return b3 | b2 << 8 | b1 << 16 | b0 << 24
    }
}

/// `b4f7ce89-32f9-4f0c-94b2-5963f96831a4`, as util-linux prints it.
public func formatUUID(_ bytes: [UInt8]) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(36)
    for (index, byte) in bytes.enumerated() {
        if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
