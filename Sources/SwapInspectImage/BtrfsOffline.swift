internal import CExt2fs
import SwapInspectCore

/// A btrfs file system read offline: btrfs-progs' dump-super and dump-tree walk and checksum the trees
/// and say where each item lives; the items swapinspect needs are then decoded from the leaf's bytes
/// with the same decoders the online tree search uses (BtrfsLayout), after checking that the leaf read
/// is the block dump-tree printed. Never mounted, never written.
final class BtrfsOffline {
    let progs: BtrfsProgs
    /// Reads bytes of the device holding the file system (the image area), by device offset.
    let readDevice: (UInt64, Int) throws(AreaError) -> [UInt8]
    var name: String { progs.name }
    private(set) var sectorSize = 4096
    private(set) var nodeSize = 16384
    private(set) var deviceCount = 1
    private(set) var logRoot: UInt64 = 0
    /// dev_item.total_bytes: the size of the device as the file system records it.
    private(set) var deviceTotalBytes: UInt64 = 0
    /// The bytes of the image area holding the file system.
    var areaBytes: UInt64 = .max
    private(set) var incompat: UInt64 = 0
    private(set) var fsid: String?
    private(set) var label: String?
    private(set) var chunks: [BtrfsChunk] = []
    private(set) var devids: [UInt64] = []
    /// Subvolume (tree id) -> its ROOT_ITEM's facts.
    private(set) var roots: [UInt64: Root] = [:]
    /// Subvolume -> the subvolume holding it (ROOT_BACKREF).
    private(set) var parentSubvolume: [UInt64: UInt64] = [:]
    /// Subvolume -> its name in that subvolume (the ROOT_BACKREF's name bytes).
    private(set) var subvolumeNames: [UInt64: [UInt8]] = [:]
    /// The default subvolume (the root tree's DIR_ITEM "default"), else FS_TREE.
    private(set) var defaultSubvolume: UInt64 = BtrfsOffline.fsTree
    var trees: [UInt64: Tree] = [:]
    /// Names whose hashes every first dump of a subvolume collects (the paths asked for).
    var seedNames: Set<String> = []
    private var leafCache: [UInt64: [UInt8]] = [:]
    /// The superblock's csum_type (0: crc32c, the one the offline reader verifies itself).
    private(set) var checksumType: UInt64 = 0
    /// Tree blocks whose first copies failed their checksum in dump-tree and that it read from another
    /// copy: read here the same way (`leaf`), and said in a note.
    private(set) var recoveredBlocks: Set<UInt64> = []
    /// dump-tree's checksum failures not yet weighed against the chunk map (`settle`).
    private var checksumFailures: [UInt64: BtrfsProgs.ChecksumFailures] = [:]

    static let fsTree: UInt64 = 5
    static let rootTreeDir: UInt64 = 6
    /// struct btrfs_header: csum[32] fsid[16] bytenr flags chunk_tree_uuid[16] generation owner nritems level.
    static let headerSize = 101
    static let headerBytenrOffset = 48
    /// The incompat features whose trees dump-tree prints and whose items BtrfsLayout decodes
    /// (MIXED_BACKREF … RAID1C34: bits 0–11).
    static let knownIncompat: UInt64 = (1 << 12) - 1

    struct Root {
        var bytenr: UInt64
        var rootDir: UInt64
        var lastSnapshot: UInt64
        var level: Int
    }

    /// The items of one subvolume's tree collected so far, and what was asked of it.
    struct Tree {
        var hashes: Set<UInt64> = []
        var inodes: Set<UInt64> = []
        var dirItems: [BtrfsKey: BtrfsDumpItem] = [:]
        var inodeItems: [UInt64: BtrfsDumpItem] = [:]
        var extentData: [UInt64: [BtrfsDumpItem]] = [:]
        /// Child block -> node, for the walk up from a leaf (btrfs_is_data_extent_shared).
        var parents: [UInt64: UInt64] = [:]
        var dumped = false
    }

    init(progs: BtrfsProgs, readDevice: @escaping (UInt64, Int) throws(AreaError) -> [UInt8]) {
        self.progs = progs
        self.readDevice = readDevice
    }

    /// The superblock (dump-super).
    func open() throws(AreaError) {
        let values = try progs.superblock()
        guard values["magic"]?.hasSuffix("[match]") == true else {
            throw AreaError(path: name, operation: "not a btrfs file system (dump-super)", reason: "no btrfs magic")
        }
        guard values["csum"]?.hasSuffix("[match]") == true else {
            throw AreaError(path: name, operation: "the btrfs superblock is corrupt (dump-super)", reason: "its checksum does not match")
        }
        func number(_ key: String) -> UInt64? { values[key].flatMap { BtrfsDumpParser.number(Substring($0.split(separator: " ").first ?? "")) } }
        guard let sector = number("sectorsize"), sector >= 512, sector <= 65536, let node = number("nodesize"), node >= 4096, node <= 65536,
            let devices = number("num_devices"), let log = number("log_root"), let incompat = number("incompat_flags")
        else { throw AreaError(path: name, operation: "the btrfs superblock is unreadable (dump-super)", reason: "no geometry") }
        (sectorSize, nodeSize, deviceCount, logRoot, self.incompat) = (Int(sector), Int(node), Int(min(devices, 1 << 20)), log, incompat)
        deviceTotalBytes = number("dev_item.total_bytes") ?? 0
        checksumType = number("csum_type") ?? 0
        fsid = values["fsid"]
        label = values["label"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The chunk tree and the root tree (after `unsoundness` said they give the kernel's answer).
    func readTrees() throws(AreaError) {
        try readChunkTree()
        try readRootTree()
    }

    /// Why the trees on this image cannot give the kernel's answer, or nil.
    var unsoundness: String? {
        if deviceCount != 1 {
            return "the file system has \(deviceCount) devices, and the image holds one of them: its chunks may lie on the others"
        }
        if deviceTotalBytes > areaBytes {
            return "the image holds \(areaBytes) bytes of the device's \(deviceTotalBytes) (truncated): what lies past its end cannot be read"
        }
        if logRoot != 0 {
            return "its log tree is not empty (log_root \(logRoot), the file system was not unmounted cleanly): the kernel replays the log when it mounts the file system read-write, so the trees dump-tree reads are not yet the kernel's"
        }
        if incompat & ~Self.knownIncompat != 0 {
            return "it has incompat features 0x\(String(incompat & ~Self.knownIncompat, radix: 16)) that the offline reader does not know"
        }
        return nil
    }

    func readChunkTree() throws(AreaError) {
        let dump = try dump(tree: "chunk") { $0.type == BtrfsLayout.chunkItemKey || $0.type == 216 }
        for item in dump.items {
            if item.key.type == 216 {
                devids.append(item.key.offset)
                continue
            }
            guard let chunk = Self.chunk(item) else {
                throw AreaError(path: name, operation: "cannot read the chunk tree (dump-tree)", reason: "chunk item \(item.key) is not understood")
            }
            chunks.append(chunk)
        }
        chunks.sort { $0.logical < $1.logical }
        try settle()
    }

    /// A CHUNK_ITEM as print-tree.c prints it: `length L owner O stripe_len S type DATA|single`,
    /// `num_stripes N sub_stripes M`, then `stripe I devid D offset O` lines.
    static func chunk(_ item: BtrfsDumpItem) -> BtrfsChunk? {
        guard let length = item.number("length"), let stripeLength = item.number("stripe_len"),
            let count = item.number("num_stripes"), let subStripes = item.number("sub_stripes"), subStripes <= UInt16.max,
            let typeWords = item.body.first?.split(separator: " ").drop(while: { $0 != "type" }).dropFirst().first,
            let type = blockGroupFlags(typeWords)
        else { return nil }
        var stripes: [BtrfsStripe] = []
        for line in item.body where line.hasPrefix("\t\t\tstripe ") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 6, words[2] == "devid", words[4] == "offset", let devid = UInt64(words[3]), let offset = UInt64(words[5])
            else { return nil }
            stripes.append(BtrfsStripe(devid: devid, offset: offset))
        }
        guard !stripes.isEmpty, stripes.count == count else { return nil }
        return BtrfsChunk(
            logical: item.key.offset, length: length, stripeLength: stripeLength, type: type, subStripes: UInt16(subStripes), stripes: stripes)
    }

    /// `DATA|single`, `METADATA|DUP`, `DATA|METADATA|RAID1` → BTRFS_BLOCK_GROUP_* bits.
    static func blockGroupFlags(_ text: Substring) -> UInt64? {
        var flags: UInt64 = 0
        for word in text.split(separator: "|") {
            switch word {
            case "DATA": flags |= BtrfsLayout.blockGroupData
            case "SYSTEM": flags |= BtrfsLayout.blockGroupSystem
            case "METADATA": flags |= BtrfsLayout.blockGroupMetadata
            case "single": continue
            default:
                guard let bit = BtrfsLayout.profiles.first(where: { $0.name == word })?.bit else { return nil }
                flags |= bit
            }
        }
        return flags
    }

    /// ROOT_ITEMs (bytenr, root_dirid, last_snapshot), ROOT_BACKREFs and the DIR_ITEM "default".
    func readRootTree() throws(AreaError) {
        let defaultHash = UInt64(BtrfsNameHash.hash(Array("default".utf8)))
        let dump = try dump(tree: "root") { key in
            key.type == BtrfsLayout.rootItemKey || key.type == 144
                || (key.objectid == Self.rootTreeDir && key.type == 84 && key.offset == defaultHash)
        }
        for item in dump.items {
            switch item.key.type {
            case BtrfsLayout.rootItemKey:
                guard let bytenr = item.number("bytenr"), let rootDir = item.number("root_dirid"),
                    let lastSnapshot = item.number("last_snapshot"), let level = item.number("level"), level < 8
                else { throw AreaError(path: name, operation: "cannot read the root tree (dump-tree)", reason: "root item \(item.key) is not understood") }
                roots[item.key.objectid] = Root(bytenr: bytenr, rootDir: rootDir, lastSnapshot: lastSnapshot, level: Int(level))
            case 144:
                parentSubvolume[item.key.objectid] = item.key.offset
                // struct btrfs_root_ref: dirid, sequence, name_len, then the name.
                if let bytes = try? body(item), let length = BtrfsLayout.u16(bytes, 16), 18 + Int(length) <= bytes.count {
                    subvolumeNames[item.key.objectid] = Array(bytes[18..<(18 + Int(length))])
                }
            default:
                let entries = try dirEntries(item, name: Array("default".utf8))
                if let entry = entries.first, entry.location.type == BtrfsLayout.rootItemKey { defaultSubvolume = entry.location.objectid }
            }
        }
    }

    // MARK: - Raw bytes of what dump-tree printed

    /// dump-tree of `tree` (BtrfsProgs.dump); its checksum failures are settled at once, but those of
    /// the chunk tree's own dump, which are settled by the chunk map it gives (`readChunkTree`).
    func dump(
        tree: String, wants: @escaping (BtrfsKey) -> Bool, observe: ((BtrfsDumpItem) -> Void)? = nil
    ) throws(AreaError) -> BtrfsDumpParser {
        let dump = try progs.dump(tree: tree, failures: &checksumFailures, wants: wants, observe: observe)
        if !chunks.isEmpty { try settle() }
        return dump
    }

    /// A tree block that failed its checksum in as many copies as its chunk has (one outside DUP and
    /// RAID1*) was not read at all: dump-tree's line is the error. The others were read from a sound copy.
    func settle() throws(AreaError) {
        for (block, failure) in checksumFailures.sorted(by: { $0.key < $1.key }) {
            let chunk = chunks.last { $0.logical <= block && block - $0.logical < $0.length }
            let copies = chunk.map { Self.mirrored($0) ? $0.stripes.count : 1 } ?? 1
            guard failure.count < copies else {
                throw AreaError(
                    path: name, operation: "not a readable btrfs file system (btrfs inspect-internal dump-tree -t \(failure.tree))",
                    reason: failure.line.replacingAll("\(progs.device): ", with: ""))
            }
            recoveredBlocks.insert(block)
        }
        checksumFailures = [:]
    }

    /// Whether every stripe of the chunk holds the whole of it (DUP, RAID1, RAID1C3, RAID1C4), so that
    /// each is a copy; single has one, and striped profiles are not read.
    static func mirrored(_ chunk: BtrfsChunk) -> Bool {
        let copies = BtrfsLayout.profiles.filter { ["DUP", "RAID1", "RAID1C3", "RAID1C4"].contains($0.name) }.reduce(0) { $0 | $1.bit }
        return chunk.profile & copies != 0
    }

    /// The device offsets of every copy of `logical`: stripe 0 only, but for a mirrored chunk each stripe.
    func copies(_ logical: UInt64, count: Int) throws(AreaError) -> [UInt64] {
        let first = try physical(logical, count: count)
        guard let chunk = chunks.last(where: { $0.logical <= logical }), Self.mirrored(chunk) else { return [first] }
        return chunk.stripes.map { $0.offset + (logical - chunk.logical) }
    }

    /// The device offset of a logical address: stripe 0 of its chunk (single, DUP and RAID1 copies
    /// alike); striped profiles are not read.
    func physical(_ logical: UInt64, count: Int) throws(AreaError) -> UInt64 {
        guard let chunk = chunks.last(where: { $0.logical <= logical }), logical - chunk.logical < chunk.length,
            UInt64(count) <= chunk.length - (logical - chunk.logical)
        else { throw AreaError(path: name, operation: "cannot read logical address \(logical)", reason: "no chunk of the chunk tree holds it") }
        let striped = BtrfsLayout.profiles.filter { ["RAID0", "RAID10", "RAID5", "RAID6"].contains($0.name) }.reduce(0) { $0 | $1.bit }
        guard chunk.profile & striped == 0 else {
            throw AreaError(
                path: name, operation: "cannot read logical address \(logical)",
                reason: "its chunk is \(BtrfsLayout.profileName(chunk.profile)), which the offline reader does not map")
        }
        return chunk.stripes[0].offset + (logical - chunk.logical)
    }

    /// A tree block by logical address, checked to be the block its header says.
    func leaf(_ logical: UInt64) throws(AreaError) -> [UInt8] {
        if let cached = leafCache[logical] { return cached }
        let bytes = try soundCopy(of: logical)
        if leafCache.count > 64 { leafCache.removeAll() }
        leafCache[logical] = bytes
        return bytes
    }

    /// The first copy of a tree block that is the block dump-tree printed (its header's bytenr) and,
    /// for a block dump-tree had to read from another copy, whose crc32c matches: the copy dump-tree
    /// and the kernel read. With another checksum type (xxhash64, sha256, blake2b) such a block is
    /// not guessed at.
    func soundCopy(of logical: UInt64) throws(AreaError) -> [UInt8] {
        let recovered = recoveredBlocks.contains(logical)
        if recovered && checksumType != 0 {
            throw AreaError(
                path: name, operation: "cannot read tree block \(logical)",
                reason: "a copy of it fails its checksum (csum_type \(checksumType)), which the offline reader does not compute to find the sound one")
        }
        for offset in try copies(logical, count: nodeSize) {
            let bytes = try readDevice(offset, nodeSize)
            guard bytes.count == nodeSize, BtrfsLayout.u64(bytes, Self.headerBytenrOffset) == logical else { continue }
            if !recovered || Self.crc32cMatches(bytes) { return bytes }
        }
        throw AreaError(path: name, operation: "cannot read tree block \(logical)", reason: "no copy of it is the block dump-tree printed")
    }

    /// btrfs's crc32c of a tree block: CRC-32C (seed ~0, inverted) of the bytes after the 32-byte csum
    /// field, stored little-endian in its first four bytes.
    static func crc32cMatches(_ block: [UInt8]) -> Bool {
        guard block.count > 32 else { return false }
        let computed = block.withUnsafeBytes { raw in ~ext2fs_crc32c_le(~0, raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + 32, block.count - 32) }
        return computed == UInt32(block[0]) | UInt32(block[1]) << 8 | UInt32(block[2]) << 16 | UInt32(block[3]) << 24
    }

    /// An item's bytes from its leaf.
    func body(_ item: BtrfsDumpItem) throws(AreaError) -> [UInt8] {
        let bytes = try leaf(item.leaf)
        let start = Self.headerSize + item.itemOffset
        guard item.itemOffset >= 0, item.itemSize >= 0, start + item.itemSize <= bytes.count else {
            throw AreaError(path: name, operation: "cannot read item \(item.key) of tree block \(item.leaf)", reason: "it lies outside the block")
        }
        return Array(bytes[start..<(start + item.itemSize)])
    }

    struct DirEntry {
        var location: BtrfsKey
        var type: UInt8
    }

    /// The entries of a DIR_ITEM whose name is `name` (struct btrfs_dir_item: location key, transid,
    /// data_len, name_len, type, then the name): names are compared byte for byte, so a hash collision
    /// never picks the wrong entry.
    func dirEntries(_ item: BtrfsDumpItem, name wanted: [UInt8]) throws(AreaError) -> [DirEntry] {
        let bytes = try body(item)
        var entries: [DirEntry] = []
        var position = 0
        while position + 30 <= bytes.count {
            guard let objectid = BtrfsLayout.u64(bytes, position), let offset = BtrfsLayout.u64(bytes, position + 9),
                let dataLength = BtrfsLayout.u16(bytes, position + 25), let nameLength = BtrfsLayout.u16(bytes, position + 27)
            else { break }
            let nameStart = position + 30
            let end = nameStart + Int(nameLength) + Int(dataLength)
            guard end <= bytes.count else {
                throw AreaError(path: name, operation: "cannot read directory item \(item.key)", reason: "its names run past the item")
            }
            if Array(bytes[nameStart..<(nameStart + Int(nameLength))]) == wanted {
                entries.append(
                    DirEntry(location: BtrfsKey(objectid: objectid, type: bytes[position + 8], offset: offset), type: bytes[position + 29]))
            }
            position = end
        }
        return entries
    }
}

/// `btrfs_name_hash`: crc32c seeded with ~1, without the final inversion (the DIR_ITEM key offset).
enum BtrfsNameHash {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func hash(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = ~1
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc
    }
}
