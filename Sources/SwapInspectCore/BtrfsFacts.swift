/// What the btrfs adapter learns about a swap file on btrfs: the inputs of `btrfs_swap_activate`
/// (fs/btrfs/inode.c) as far as userspace can see them. Every field that needs CAP_SYS_ADMIN
/// (BTRFS_IOC_TREE_SEARCH_V2, BTRFS_IOC_LOGICAL_INO_V2) is optional: nil means "not read", never "none".
public struct BtrfsFacts: Sendable, Equatable {
    /// FS_IOC_GETFLAGS: FS_NOCOW_FL (`chattr +C`, BTRFS_INODE_NODATACOW).
    public var noCow: Bool
    /// FS_IOC_GETFLAGS: FS_COMPR_FL (`chattr +c` or the `compression` property, BTRFS_INODE_COMPRESS).
    public var compress: Bool
    /// BTRFS_INODE_NODATASUM from the INODE_ITEM; nil when the item could not be read. FS_IOC_GETFLAGS
    /// does not show it; `chattr +C` on an empty file and `-o nodatacow` set it together with NODATACOW.
    public var noDataSum: Bool?
    /// The inode number (the objectid of the file's items).
    public var inode: UInt64
    /// The subvolume (tree id) holding the file (BTRFS_IOC_INO_LOOKUP, unprivileged).
    public var subvolume: UInt64?
    /// BTRFS_IOC_FS_INFO: the sector size (`isize = ALIGN_DOWN(i_size, sectorsize)`).
    public var sectorSize: Int
    /// `sb->s_id`, the name btrfs prints in `BTRFS warning (device …)`: the kernel name of the device
    /// the file system was mounted from (`loop3`, `dm-0`, `nvme0n1p2`).
    public var kernelDeviceName: String?
    /// Where the file system is mounted (for the fixes).
    public var mountPoint: String?
    /// BTRFS_IOC_FS_INFO num_devices.
    public var deviceCount: Int
    /// BTRFS_IOC_DEV_INFO: devid -> path.
    public var devices: [BtrfsDevice]
    /// The subvolume ROOT_ITEM's `last_snapshot`: the generation of the newest snapshot of it.
    public var lastSnapshot: UInt64?
    /// The inode's EXTENT_DATA items in key order; nil when the subvolume tree could not be searched.
    public var items: [BtrfsFileExtentItem]?
    /// The CHUNK_ITEMs of the chunk tree in logical order; nil when it could not be searched.
    public var chunks: [BtrfsChunk]?
    /// BTRFS_IOC_SPACE_INFO (unprivileged): the block group flags of every DATA space with bytes in it.
    /// Enough to know the data profile when there is only one; nil when not asked.
    public var dataSpaceFlags: [UInt64]?

    public init(
        noCow: Bool, compress: Bool, noDataSum: Bool? = nil, inode: UInt64, subvolume: UInt64? = nil,
        sectorSize: Int, kernelDeviceName: String? = nil, deviceCount: Int = 1, devices: [BtrfsDevice] = [],
        lastSnapshot: UInt64? = nil, items: [BtrfsFileExtentItem]? = nil, chunks: [BtrfsChunk]? = nil,
        dataSpaceFlags: [UInt64]? = nil
    ) {
        self.noCow = noCow
        self.compress = compress
        self.noDataSum = noDataSum
        self.inode = inode
        self.subvolume = subvolume
        self.sectorSize = sectorSize
        self.kernelDeviceName = kernelDeviceName
        self.deviceCount = deviceCount
        self.devices = devices
        self.lastSnapshot = lastSnapshot
        self.items = items
        self.chunks = chunks
        self.dataSpaceFlags = dataSpaceFlags
    }

    /// The chunk holding a logical address (`btrfs_get_chunk_map`).
    public func chunk(containing logical: UInt64) -> BtrfsChunk? {
        guard let chunks else { return nil }
        var low = 0
        var high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            let chunk = chunks[middle]
            if logical < chunk.logical {
                high = middle
            } else if logical >= chunk.logical &+ chunk.length {
                low = middle + 1
            } else {
                return chunk
            }
        }
        return nil
    }

    public func devicePath(_ devid: UInt64) -> String? { devices.first { $0.devid == devid }?.path }

    /// Larger than any device-side byte number in a real btrfs (4 EiB of logical or device address): the
    /// model adds up to three such numbers.
    public static let largestPlausible: UInt64 = 1 << 62

    /// Why these facts cannot come from a sound file system, or nil: a file-side range past 2^63 (the
    /// largest file offset, which preallocation and explicit holes can reach), a device-side number past
    /// `largestPlausible` in an extent item or the chunk map, or a chunk without stripes.
    public var implausibility: String? {
        let limit = Self.largestPlausible
        let fileLimit = FileExtent.maxOffset
        for item in items ?? [] {
            let fileSide = item.fileOffset <= fileLimit && item.numBytes <= fileLimit - item.fileOffset
                && item.ramBytes <= fileLimit - item.fileOffset
            if !fileSide || [item.diskBytenr, item.diskNumBytes, item.offset].contains(where: { $0 > limit }) {
                return "the extent item at file offset \(item.fileOffset) holds a byte number no file system has (disk_bytenr \(item.diskBytenr), offset \(item.offset), num_bytes \(item.numBytes), ram_bytes \(item.ramBytes))"
            }
        }
        for chunk in chunks ?? [] {
            if chunk.stripes.isEmpty { return "the chunk at logical \(chunk.logical) has no stripes" }
            let numbers = [chunk.logical, chunk.length, chunk.stripeLength] + chunk.stripes.map(\.offset)
            if numbers.contains(where: { $0 > limit }) {
                return "the chunk at logical \(chunk.logical) (length \(chunk.length)) holds a byte number past 2^62"
            }
        }
        return nil
    }
}

public struct BtrfsDevice: Sendable, Equatable {
    public var devid: UInt64
    public var path: String

    public init(devid: UInt64, path: String) {
        self.devid = devid
        self.path = path
    }
}

/// `btrfs_file_extent_item.type`.
public enum BtrfsFileExtentType: Sendable, Equatable {
    case inline, regular, prealloc
    case unknown(UInt8)

    public init(raw: UInt8) {
        switch raw {
        case BtrfsLayout.fileExtentInline: self = .inline
        case BtrfsLayout.fileExtentRegular: self = .regular
        case BtrfsLayout.fileExtentPrealloc: self = .prealloc
        default: self = .unknown(raw)
        }
    }

    public var name: String {
        switch self {
        case .inline: "inline"
        case .regular: "regular"
        case .prealloc: "prealloc"
        case .unknown(let raw): "type \(raw)"
        }
    }
}

/// One EXTENT_DATA item of the inode (key `(inode, EXTENT_DATA, fileOffset)`), plus what is known
/// about whether the data extent it points to is shared.
public struct BtrfsFileExtentItem: Sendable, Equatable {
    /// key.offset: the file offset the item starts at.
    public var fileOffset: UInt64
    /// The transaction that created the item (`btrfs_file_extent_generation`, the `extent_gen` of
    /// `btrfs_is_data_extent_shared`).
    public var generation: UInt64
    public var ramBytes: UInt64
    public var compression: UInt8
    public var encryption: UInt8
    public var otherEncoding: UInt16
    public var type: BtrfsFileExtentType
    /// The data extent's logical start; 0 = an explicit hole. Not meaningful for inline items.
    public var diskBytenr: UInt64
    public var diskNumBytes: UInt64
    /// Where in the data extent this item's bytes start.
    public var offset: UInt64
    /// The item's length in the file.
    public var numBytes: UInt64
    /// The data extent's back references from the extent tree; nil when not read.
    public var backrefs: [BtrfsBackref]?
    /// Every `(inode, offset, root)` referencing the data extent (BTRFS_IOC_LOGICAL_INO_V2, offsets
    /// ignored), which resolves references through shared subtrees (snapshots); nil when not asked.
    public var referencers: [BtrfsReferencer]?
    /// Offline (no LOGICAL_INO_V2): the walk of `btrfs_is_data_extent_shared` up the subvolume's tree
    /// from the leaves holding the item to its root, over the tree blocks' back references; nil when
    /// not walked.
    public var treeSharing: BtrfsTreeSharing? = nil

    public init(
        fileOffset: UInt64, generation: UInt64 = 0, ramBytes: UInt64 = 0, compression: UInt8 = 0, encryption: UInt8 = 0,
        otherEncoding: UInt16 = 0, type: BtrfsFileExtentType, diskBytenr: UInt64 = 0, diskNumBytes: UInt64 = 0,
        offset: UInt64 = 0, numBytes: UInt64 = 0, backrefs: [BtrfsBackref]? = nil, referencers: [BtrfsReferencer]? = nil
    ) {
        self.fileOffset = fileOffset
        self.generation = generation
        self.ramBytes = ramBytes
        self.compression = compression
        self.encryption = encryption
        self.otherEncoding = otherEncoding
        self.type = type
        self.diskBytenr = diskBytenr
        self.diskNumBytes = diskNumBytes
        self.offset = offset
        self.numBytes = numBytes
        self.backrefs = backrefs
        self.referencers = referencers
    }

    /// `btrfs_file_extent_end`: inline items end at the next sector boundary after their data.
    public func end(sectorSize: Int) -> UInt64 {
        if type == .inline {
            let sector = UInt64(sectorSize)
            return (fileOffset + ramBytes + sector - 1) / sector * sector
        }
        return fileOffset &+ numBytes
    }
}

/// A back reference of a data extent (inline in its EXTENT_ITEM, or a keyed item after it).
public enum BtrfsBackref: Sendable, Equatable {
    /// EXTENT_DATA_REF: `count` file extent items of inode `objectid` in tree `root` whose data starts at
    /// file offset `offset` (the item's key.offset minus its extent offset).
    case data(root: UInt64, objectid: UInt64, offset: UInt64, count: UInt32)
    /// SHARED_DATA_REF: `count` references from the tree leaf at logical `parent` (full back references,
    /// used in leaves that snapshots share).
    case sharedData(parent: UInt64, count: UInt32)
    /// Any other inline ref type (EXTENT_OWNER_REF of simple quotas); ignored by the sharing check.
    case other(type: UInt8)
}

/// What the walk up the tree found (`btrfs_is_data_extent_shared` from level 0 up: a tree block with
/// more than one distinct back reference means the data below it is shared with a snapshot).
public enum BtrfsTreeSharing: Sendable, Equatable {
    case notShared
    /// The tree block at `block` is referenced by subvolume `root` too, or (root nil) by a parent block
    /// through a full back reference.
    case shared(block: UInt64, root: UInt64?)
    /// The walk could not be finished (a block without its extent item, another tree's block).
    case unknown(String)
}

/// One result of BTRFS_IOC_LOGICAL_INO_V2.
public struct BtrfsReferencer: Sendable, Equatable {
    public var inode: UInt64
    public var offset: UInt64
    public var root: UInt64

    public init(inode: UInt64, offset: UInt64, root: UInt64) {
        self.inode = inode
        self.offset = offset
        self.root = root
    }
}

/// One CHUNK_ITEM: `length` bytes of logical space at `logical`, stored on `stripes`.
public struct BtrfsChunk: Sendable, Equatable {
    public var logical: UInt64
    public var length: UInt64
    public var stripeLength: UInt64
    /// Block group flags: DATA/METADATA/SYSTEM and the profile bits (BTRFS_BLOCK_GROUP_*).
    public var type: UInt64
    public var subStripes: UInt16
    public var stripes: [BtrfsStripe]

    public init(logical: UInt64, length: UInt64, stripeLength: UInt64 = 65536, type: UInt64, subStripes: UInt16 = 0, stripes: [BtrfsStripe]) {
        self.logical = logical
        self.length = length
        self.stripeLength = stripeLength
        self.type = type
        self.subStripes = subStripes
        self.stripes = stripes
    }

    /// The profile bits (`BTRFS_BLOCK_GROUP_PROFILE_MASK`); 0 = single.
    public var profile: UInt64 { type & BtrfsLayout.profileMask }
}

public struct BtrfsStripe: Sendable, Equatable {
    public var devid: UInt64
    /// The stripe's byte offset on its device.
    public var offset: UInt64

    public init(devid: UInt64, offset: UInt64) {
        self.devid = devid
        self.offset = offset
    }
}

/// The on-disk btrfs constants and item layouts swapinspect reads (include/uapi/linux/btrfs_tree.h).
/// Items are little-endian and decoded field by field at named offsets; no struct is cast onto bytes.
public enum BtrfsLayout {
    // Tree ids for BTRFS_IOC_TREE_SEARCH_V2. 0 means the subvolume of the descriptor.
    public static let subvolumeOfDescriptor: UInt64 = 0
    public static let rootTree: UInt64 = 1
    public static let extentTree: UInt64 = 2
    public static let chunkTree: UInt64 = 3
    /// BTRFS_FIRST_CHUNK_TREE_OBJECTID: the objectid of every CHUNK_ITEM.
    public static let firstChunkTreeObjectID: UInt64 = 256
    /// BTRFS_DATA_RELOC_TREE_OBJECTID (-9): references from relocation are not counted by the sharing check.
    public static let dataRelocTree = UInt64(bitPattern: -9)

    // Key types.
    public static let inodeItemKey: UInt8 = 1
    public static let extentDataKey: UInt8 = 108
    public static let rootItemKey: UInt8 = 132
    public static let extentItemKey: UInt8 = 168
    public static let extentOwnerRefKey: UInt8 = 172
    public static let treeBlockRefKey: UInt8 = 176
    public static let extentDataRefKey: UInt8 = 178
    public static let sharedBlockRefKey: UInt8 = 182
    public static let sharedDataRefKey: UInt8 = 184
    public static let chunkItemKey: UInt8 = 228

    // btrfs_file_extent_item.type
    public static let fileExtentInline: UInt8 = 0
    public static let fileExtentRegular: UInt8 = 1
    public static let fileExtentPrealloc: UInt8 = 2

    // BTRFS_INODE_* (the low 32 bits of btrfs_inode_item.flags)
    public static let inodeNoDataSum: UInt64 = 1 << 0
    public static let inodeNoDataCow: UInt64 = 1 << 1
    public static let inodeCompress: UInt64 = 1 << 11

    // BTRFS_BLOCK_GROUP_*
    public static let blockGroupData: UInt64 = 1 << 0
    public static let blockGroupSystem: UInt64 = 1 << 1
    public static let blockGroupMetadata: UInt64 = 1 << 2
    public static let profiles: [(bit: UInt64, name: String)] = [
        (1 << 3, "RAID0"), (1 << 4, "RAID1"), (1 << 5, "DUP"), (1 << 6, "RAID10"), (1 << 7, "RAID5"),
        (1 << 8, "RAID6"), (1 << 9, "RAID1C3"), (1 << 10, "RAID1C4"),
    ]
    /// BTRFS_BLOCK_GROUP_DUP: two copies on one device.
    public static let profileDUP: UInt64 = 1 << 5
    /// BTRFS_BLOCK_GROUP_PROFILE_MASK
    public static let profileMask: UInt64 = profiles.reduce(0) { $0 | $1.bit }

    /// `single`, `RAID1`, `DUP`, … (several names joined with `|` if more than one bit is set).
    public static func profileName(_ flags: UInt64) -> String {
        let names = profiles.filter { flags & $0.bit != 0 }.map(\.name)
        return names.isEmpty ? "single" : names.joined(separator: "|")
    }

    // struct btrfs_inode_item
    public static let inodeItemFlagsOffset = 64
    // struct btrfs_root_item: an inode item, then generation, root_dirid, bytenr, byte_limit,
    // bytes_used, last_snapshot.
    public static let rootItemLastSnapshotOffset = 200
    // struct btrfs_file_extent_item
    public static let fileExtentGenerationOffset = 0
    public static let fileExtentRamBytesOffset = 8
    public static let fileExtentCompressionOffset = 16
    public static let fileExtentEncryptionOffset = 17
    public static let fileExtentOtherEncodingOffset = 18
    public static let fileExtentTypeOffset = 20
    /// Inline data starts here; regular and prealloc items continue with the disk fields.
    public static let fileExtentDiskBytenrOffset = 21
    public static let fileExtentDiskNumBytesOffset = 29
    public static let fileExtentOffsetOffset = 37
    public static let fileExtentNumBytesOffset = 45
    // struct btrfs_chunk and struct btrfs_stripe
    public static let chunkLengthOffset = 0
    public static let chunkStripeLengthOffset = 16
    public static let chunkTypeOffset = 24
    public static let chunkNumStripesOffset = 44
    public static let chunkSubStripesOffset = 46
    public static let chunkStripesOffset = 48
    public static let stripeSize = 32
    public static let stripeDevidOffset = 0
    public static let stripeOffsetOffset = 8
    // struct btrfs_extent_item (refs, generation, flags), then inline refs for data extents.
    public static let extentItemSize = 24
    // struct btrfs_extent_data_ref: root, objectid, offset, count
    public static let extentDataRefSize = 28

    // Bounds-checked little-endian readers over SwapHeader's `readUInt32`: nil past the end of the item.
    public static func u64(_ bytes: [UInt8], _ offset: Int) -> UInt64? {
        guard offset >= 0, offset + 8 <= bytes.count else { return nil }
        return UInt64(readUInt32(bytes, at: offset, .little)) | UInt64(readUInt32(bytes, at: offset + 4, .little)) << 32
    }

    public static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        return readUInt32(bytes, at: offset, .little)
    }

    public static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    /// An EXTENT_DATA item's body. Inline items carry only the fixed header (their data follows).
    public static func fileExtentItem(fileOffset: UInt64, _ bytes: [UInt8]) -> BtrfsFileExtentItem? {
        guard bytes.count > fileExtentTypeOffset, let generation = u64(bytes, fileExtentGenerationOffset),
            let ramBytes = u64(bytes, fileExtentRamBytesOffset), let otherEncoding = u16(bytes, fileExtentOtherEncodingOffset)
        else { return nil }
        var item = BtrfsFileExtentItem(
            fileOffset: fileOffset, generation: generation, ramBytes: ramBytes,
            compression: bytes[fileExtentCompressionOffset], encryption: bytes[fileExtentEncryptionOffset],
            otherEncoding: otherEncoding, type: BtrfsFileExtentType(raw: bytes[fileExtentTypeOffset]))
        if item.type == .inline { return item }
        guard let diskBytenr = u64(bytes, fileExtentDiskBytenrOffset), let diskNumBytes = u64(bytes, fileExtentDiskNumBytesOffset),
            let offset = u64(bytes, fileExtentOffsetOffset), let numBytes = u64(bytes, fileExtentNumBytesOffset)
        else { return nil }
        item.diskBytenr = diskBytenr
        item.diskNumBytes = diskNumBytes
        item.offset = offset
        item.numBytes = numBytes
        return item
    }

    /// A CHUNK_ITEM's body; `logical` is its key.offset.
    public static func chunk(logical: UInt64, _ bytes: [UInt8]) -> BtrfsChunk? {
        guard let length = u64(bytes, chunkLengthOffset), let stripeLength = u64(bytes, chunkStripeLengthOffset),
            let type = u64(bytes, chunkTypeOffset), let count = u16(bytes, chunkNumStripesOffset),
            let subStripes = u16(bytes, chunkSubStripesOffset)
        else { return nil }
        var stripes: [BtrfsStripe] = []
        for index in 0..<Int(count) {
            let base = chunkStripesOffset + index * stripeSize
            guard let devid = u64(bytes, base + stripeDevidOffset), let offset = u64(bytes, base + stripeOffsetOffset) else { return nil }
            stripes.append(BtrfsStripe(devid: devid, offset: offset))
        }
        guard !stripes.isEmpty else { return nil }
        return BtrfsChunk(logical: logical, length: length, stripeLength: stripeLength, type: type, subStripes: subStripes, stripes: stripes)
    }

    /// The inline references after an EXTENT_ITEM's header (`add_inline_refs`). Nil on a malformed item.
    public static func inlineBackrefs(_ bytes: [UInt8]) -> [BtrfsBackref]? {
        var refs: [BtrfsBackref] = []
        var position = extentItemSize
        while position < bytes.count {
            let type = bytes[position]
            switch type {
            case extentDataRefKey:
                guard let ref = extentDataRef(bytes, at: position + 1) else { return nil }
                refs.append(ref)
                position += 1 + extentDataRefSize
            case sharedDataRefKey:
                guard let parent = u64(bytes, position + 1), let count = u32(bytes, position + 9) else { return nil }
                refs.append(.sharedData(parent: parent, count: count))
                position += 1 + 8 + 4
            case treeBlockRefKey, sharedBlockRefKey, extentOwnerRefKey:
                refs.append(.other(type: type))
                position += 1 + 8
            default:
                return nil
            }
        }
        return refs
    }

    /// A keyed EXTENT_DATA_REF item body, or the inline one after its type byte.
    public static func extentDataRef(_ bytes: [UInt8], at offset: Int = 0) -> BtrfsBackref? {
        guard let root = u64(bytes, offset), let objectid = u64(bytes, offset + 8), let refOffset = u64(bytes, offset + 16),
            let count = u32(bytes, offset + 24)
        else { return nil }
        return .data(root: root, objectid: objectid, offset: refOffset, count: count)
    }

    /// A keyed SHARED_DATA_REF item body (the parent leaf is the key's offset).
    public static func sharedDataRef(parent: UInt64, _ bytes: [UInt8]) -> BtrfsBackref? {
        guard let count = u32(bytes, 0) else { return nil }
        return .sharedData(parent: parent, count: count)
    }

    /// `btrfs_inode_item.flags` (BTRFS_INODE_*).
    public static func inodeFlags(_ bytes: [UInt8]) -> UInt64? { u64(bytes, inodeItemFlagsOffset) }

    /// `btrfs_root_item.last_snapshot`.
    public static func lastSnapshot(_ bytes: [UInt8]) -> UInt64? { u64(bytes, rootItemLastSnapshotOffset) }
}
