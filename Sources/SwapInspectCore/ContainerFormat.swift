/// The container format of a disk image, told from its magic bytes (never guessed by qemu): what
/// `swapinspect image` passes to qemu as the driver, explicitly.
public enum DiskImageFormat: String, Sendable, CaseIterable {
    case raw, qcow2, vmdk, vhdx, vhd, vdi

    /// qemu's block driver for it (`vpc` is qemu's name for VHD).
    public var qemuDriver: String { self == .vhd ? "vpc" : rawValue }
}

/// Another file an image's data depends on: a qcow2 backing file or external data file, a VMDK
/// extent or parent, a VHD/VHDX parent. Reading the image reads it too.
public struct ContainerReference: Sendable, Equatable {
    /// `backing file`, `external data file`, `extent`, `parent disk`.
    public var kind: String
    /// The name as the image records it (relative names are relative to the image's directory).
    public var path: String
    /// The format the image records for it (a qcow2 backing format), if any.
    public var format: String?

    public init(kind: String, path: String, format: String? = nil) {
        self.kind = kind
        self.path = path
        self.format = format
    }
}

/// What the container's header says.
public struct ContainerInfo: Sendable, Equatable {
    public var format: DiskImageFormat
    /// The size of the disk it holds, where the header records one.
    public var virtualSize: UInt64?
    public var references: [ContainerReference] = []
    /// qcow2: internal snapshots (the current state is what is audited).
    public var snapshots = 0
    /// VMDK descriptor file: its extent files, checked when --allow-backing-file lets them be read.
    public var extents: [VmdkExtent] = []

    public init(format: DiskImageFormat, virtualSize: UInt64? = nil) {
        self.format = format
        self.virtualSize = virtualSize
    }
}

/// A container header that cannot be read: truncated, corrupt, or a kind no reader supports
/// (encrypted). The reason is one line.
public struct ContainerError: Error, Sendable, Equatable {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }
}

/// Detects the container format from magic bytes and parses what the header says about other files.
public enum ContainerProbe {
    /// Up to `count` bytes at an offset of the image (fewer at its end, empty beyond it).
    public typealias Reader = (UInt64, Int) -> [UInt8]

    /// The format of an image of `size` bytes; `.raw` when no container magic is found.
    public static func detect(size: UInt64, read: Reader) throws(ContainerError) -> ContainerInfo {
        let head = read(0, 512)
        if head.starts(with: [0x51, 0x46, 0x49, 0xFB]) { return try Qcow2Header.parse(size: size, read: read) }
        if head.starts(with: Array("KDMV".utf8)) { return try VmdkHeader.parseSparse(size: size, read: read) }
        if head.starts(with: Array("COWD".utf8)) { return ContainerInfo(format: .vmdk) }
        if head.starts(with: Array(VmdkHeader.descriptorMagic.utf8)) {
            return try VmdkHeader.parseDescriptorFile(size: size, read: read)
        }
        if head.starts(with: Array("vhdxfile".utf8)) { return try VhdxHeader.parse(size: size, read: read) }
        if head.starts(with: Array(VhdFooter.cookie.utf8)) { return try VhdFooter.parse(head, size: size, read: read) }
        if head.count >= 80 && ByteField.le32(head, 64) == VdiHeader.signature || VdiHeader.hasBanner(head) {
            return try VdiHeader.parse(head, size: size, read: read)
        }
        // A fixed VHD is the raw disk followed by a 512-byte footer: its start is the disk's own.
        if size >= 1024 {
            let tail = read(size - 512, 512)
            if tail.starts(with: Array(VhdFooter.cookie.utf8)) { return try VhdFooter.parse(tail, size: size, read: read) }
        }
        return ContainerInfo(format: .raw, virtualSize: size)
    }
}

extension UInt64 {
    /// Sizes and offsets computed from a header's fields, which a hostile image sets to anything: past
    /// 2^64 they stay at UInt64.max, beyond the end of any file (a trap would crash the audit).
    func plus(_ other: UInt64) -> UInt64 {
        let (value, overflow) = addingReportingOverflow(other)
        return overflow ? .max : value
    }

    func times(_ other: UInt64) -> UInt64 {
        let (value, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? .max : value
    }
}

/// Big- and little-endian fields of a header (0 where the bytes are missing; callers check lengths first).
enum ByteField {
    static func be(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        guard offset >= 0, offset + count <= bytes.count else { return 0 }
        return bytes[offset..<(offset + count)].reduce(0) { ($0 << 8) | UInt64($1) }
    }

    static func le(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        guard offset >= 0, offset + count <= bytes.count else { return 0 }
        return bytes[offset..<(offset + count)].reversed().reduce(0) { ($0 << 8) | UInt64($1) }
    }

    static func be32(_ bytes: [UInt8], _ offset: Int) -> UInt32 { UInt32(be(bytes, offset, 4)) }
    static func le32(_ bytes: [UInt8], _ offset: Int) -> UInt32 { UInt32(le(bytes, offset, 4)) }

    /// Text up to the first NUL, with bytes that are no UTF-8 replaced.
    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// UTF-16 text (VHD: big-endian, VHDX: little-endian) up to the first NUL.
    static func utf16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> String {
        let bytes = Array(bytes)
        var units: [UInt16] = []
        var index = 0
        while index + 1 < bytes.count {
            let unit = bigEndian
                ? UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]) : UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index])
            if unit == 0 { break }
            units.append(unit)
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}

extension ContainerError {
    /// `truncated FORMAT image: WHAT ends at byte N, the file at M`.
    static func truncated(_ format: DiskImageFormat, _ what: String, end: UInt64, size: UInt64) -> ContainerError {
        ContainerError("truncated \(format) image: \(what) ends at byte \(end), the file at \(size)")
    }

    static func corrupt(_ format: DiskImageFormat, _ what: String) -> ContainerError {
        ContainerError("corrupt \(format) header: \(what)")
    }

    /// A table past the header (qcow2's L1 and L2 tables) holds what no writer writes: qemu's own words.
    static func corruptTable(_ format: DiskImageFormat, _ what: String) -> ContainerError {
        ContainerError("corrupt \(format) image: \(what)")
    }
}

/// The GPT header (UEFI spec 5.3.2) of a raw disk cut short: libblkid rejects a GPT whose backup
/// header lies beyond the device and then names nothing, so the image would only be "unrecognised".
public enum GptTruncation {
    static let signature = Array("EFI PART".utf8)

    /// `truncated raw image: …` when the header at LBA 1 (512- or 4096-byte sectors) records its
    /// backup (AlternateLBA) or its last usable LBA beyond the end of an image of `size` bytes.
    public static func problem(size: UInt64, read: ContainerProbe.Reader) -> ContainerError? {
        for sector in [UInt64(512), 4096] {
            let header = read(sector, 92)
            guard header.count == 92, header.starts(with: signature), ByteField.le(header, 24, 8) == 1 else { continue }
            let alternate = ByteField.le(header, 32, 8)
            let lastUsable = ByteField.le(header, 48, 8)
            let end = max(alternate, lastUsable).multipliedReportingOverflow(by: sector)
            guard !end.overflow, end.partialValue + sector > size else { return nil }
            return .truncated(.raw, "the GPT (its backup header at LBA \(alternate))", end: end.partialValue + sector, size: size)
        }
        return nil
    }
}
