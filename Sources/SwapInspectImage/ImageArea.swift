internal import CExt2fs
import SwapInspectCore

/// One part of the image that may hold a swap area: a partition, the bytes from `--offset`, or the whole image.
struct ImageArea {
    var partition: ImagePartition?
    var offset: UInt64
    var size: UInt64
    /// Asked for by --partition/--offset, or the whole image: an empty one is an error, not skipped.
    var explicit: Bool
    var signature: ImageSignature?
    var headerBytes: [UInt8] = []
    var headers: [SwapHeader] = []
    var classified = false
    /// Its first `headLength` bytes could not be read (the error is recorded): not audited further.
    var unreadable = false
    /// The bytes at the start of an area that hold the signatures audited (ext at 1 KiB, XFS at 0,
    /// btrfs at 64 KiB, the swap header in the first page of up to 64 KiB).
    static let headLength = 128 << 10
    /// The kernel-style name used as the area's path and as the file system's device.
    var name: String

    enum Content: Equatable {
        case ext, swap, empty, firmware
        case other(String)
    }

    /// Where the ext superblock's s_magic lies in the area (little-endian EXT2_SUPER_MAGIC).
    static let extMagicOffset = Int(SUPERBLOCK_OFFSET) + MemoryLayout<ext2_super_block>.offset(of: \.s_magic)!
    static let extMagic: [UInt8] = [UInt8(EXT2_SUPER_MAGIC & 0xFF), UInt8(EXT2_SUPER_MAGIC >> 8)]

    /// libblkid's types of volume members: what they hold is the volume's (the array, the volume group),
    /// which the kernel assembles and uses instead; with md metadata 0.90 or 1.0 the array's own swap
    /// header or file system also starts the member, and is still not the member's.
    static let memberTypes: Set<String> = ["linux_raid_member", "isw_raid_member", "ddf_raid_member", "LVM2_member", "LVM1_member"]

    var content: Content {
        let type = signature?.type
        if let type, Self.memberTypes.contains(type) { return .other(type) }
        if ["ext2", "ext3", "ext4", "ext4dev"].contains(type) { return .ext }
        if type == "swap" || type == "swsuspend" || !headers.isEmpty { return .swap }
        if signature?.ambivalent == true { return .other("several competing signatures") }
        if let type { return .other(type) }
        // blkid verifies the superblock checksum: a damaged ext superblock still has its magic,
        // and libext2fs names the damage precisely.
        if hasExtMagic { return .ext }
        if partition?.isFirmware == true { return .firmware }
        return .empty
    }

    var hasExtMagic: Bool {
        let magic = Self.extMagicOffset..<(Self.extMagicOffset + Self.extMagic.count)
        return headerBytes.count >= magic.upperBound && Array(headerBytes[magic]) == Self.extMagic
    }
}
