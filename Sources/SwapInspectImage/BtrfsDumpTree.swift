import SwapInspectCore

/// A btrfs key as `btrfs inspect-internal dump-tree` prints it: `(OBJECTID TYPE OFFSET)`.
struct BtrfsKey: Hashable, Comparable, CustomStringConvertible {
    var objectid: UInt64
    var type: UInt8
    var offset: UInt64

    static func < (lhs: BtrfsKey, rhs: BtrfsKey) -> Bool {
        (lhs.objectid, lhs.type, lhs.offset) < (rhs.objectid, rhs.type, rhs.offset)
    }

    var description: String { "(\(objectid) \(type) \(offset))" }
}

/// One item of a tree dump that the reader asked for: its key, where it lives (the leaf's logical
/// address, the item's offset and size in the leaf's data area) and the lines dump-tree printed for it.
struct BtrfsDumpItem {
    var key: BtrfsKey
    var leaf: UInt64
    var itemOffset: Int
    var itemSize: Int
    var body: [Substring] = []

    /// The numbers after each word of the body, `word value` pairs (`refs 2 gen 7 flags DATA` → refs: 2, gen: 7).
    func number(_ word: String, line: Int? = nil) -> UInt64? {
        let lines = line.map { $0 < body.count ? [body[$0]] : [] } ?? body
        for text in lines {
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            for index in words.indices.dropLast() where words[index] == word {
                if let value = BtrfsDumpParser.number(words[index + 1]) { return value }
            }
        }
        return nil
    }
}

/// Why a dump cannot be trusted, in dump-tree's words where it has some.
struct BtrfsDumpProblem: Error, Equatable {
    var reason: String
}

/// A streaming parser of `dump-tree` output (btrfs-progs kernel-shared/print-tree.c). It keeps only the
/// items `wants` selects, and checks the output's structure as it goes, because btrfs-progs before
/// 6.3 print subvolume names (ROOT_REF, ROOT_BACKREF) unescaped, and a name can hold a line break and
/// a forged item line: items are numbered 0..<N in each leaf, keys rise strictly through the tree, and
/// every block a node points to must be printed. Names of files and xattrs are not printed at all
/// (`--hide-names`): a directory entry is found by its name's hash.
struct BtrfsDumpParser {
    let wants: (BtrfsKey) -> Bool
    private(set) var items: [BtrfsDumpItem] = []
    /// Child block -> the node pointing to it.
    private(set) var parents: [UInt64: UInt64] = [:]
    /// Every leaf's and node's logical address, with its level (0 = leaf).
    private(set) var blocks: [UInt64: Int] = [:]
    private var block: (bytenr: UInt64, count: Int, next: Int, leaf: Bool)?
    private var current: BtrfsDumpItem?
    private var lastKey: BtrfsKey?
    /// Longest line kept: an item's body line is short; a name is at most 255 bytes.
    static let maxLine = 1 << 16

    init(wants: @escaping (BtrfsKey) -> Bool) {
        self.wants = wants
    }

    /// A subvolume name (ROOT_REF, ROOT_BACKREF) is printed raw, `name_len` bytes (itemsize - 18):
    /// the bytes still owed when it held a line break, and whether its line is still to come.
    private var nameOwed = 0
    private var rootRefPending: Int?

    /// One line of the dump, `byteCount` the bytes it had (before invalid UTF-8 was replaced).
    mutating func consume(_ line: Substring, byteCount: Int? = nil) throws(BtrfsDumpProblem) {
        let bytes = byteCount ?? line.utf8.count
        if nameOwed > 0 {
            // The rest of a subvolume name that held a line break: not a line of the dump.
            guard bytes <= nameOwed else { throw malformed(line) }
            nameOwed = bytes == nameOwed ? 0 : nameOwed - bytes - 1
            return
        }
        if let length = rootRefPending {
            rootRefPending = nil
            if line.hasPrefix("\t\troot "), let marker = line.firstRange(of: " name ") {
                let shown = bytes - line.utf8.distance(from: line.startIndex, to: marker.upperBound)
                if shown < length { nameOwed = length - shown - 1 }
            }
        }
        if line.hasPrefix("\t\t") {
            if current != nil, line.utf8.count <= Self.maxLine { current!.body.append(line) }
            return
        }
        flush()
        if line.hasPrefix("\titem ") {
            try item(line)
        } else if line.hasPrefix("\tkey ") {
            try pointer(line)
        } else if line.hasPrefix("leaf ") || line.hasPrefix("node ") {
            try header(line)
        }
        // Anything else is a tree's title, `total bytes`, `fs uuid`: nothing of the structure.
    }

    /// The dump is over: the last block must be complete and every block pointed to printed.
    mutating func finish() throws(BtrfsDumpProblem) {
        flush()
        try closeBlock()
        if blocks.isEmpty { throw BtrfsDumpProblem(reason: "dump-tree printed no tree block") }
        if let missing = parents.keys.sorted().first(where: { blocks[$0] == nil }) {
            throw BtrfsDumpProblem(reason: "dump-tree did not print tree block \(missing), which node \(parents[missing]!) points to")
        }
    }

    private mutating func flush() {
        if let item = current { items.append(item) }
        current = nil
    }

    private mutating func closeBlock() throws(BtrfsDumpProblem) {
        if let block, block.next != block.count {
            throw BtrfsDumpProblem(reason: "tree block \(block.bytenr) lists \(block.next) of its \(block.count) items")
        }
        block = nil
    }

    /// `leaf B items N free space F generation G owner O` / `node B level L items N …`; the second
    /// header line of a block (`leaf B flags 0x1(WRITTEN) backref revision 1`) is skipped.
    private mutating func header(_ line: Substring) throws(BtrfsDumpProblem) {
        let words = line.split(separator: " ")
        guard words.count >= 4, let bytenr = Self.number(words[1]) else { throw malformed(line) }
        if words[2] == "flags" { return }
        let isLeaf = words[0] == "leaf"
        let countIndex = isLeaf ? 2 : 4
        guard words.count > countIndex + 1, words[countIndex] == "items", let count = Int(words[countIndex + 1]),
            isLeaf || words[2] == "level"
        else { throw malformed(line) }
        let level = isLeaf ? 0 : Int(words[3]) ?? -1
        guard level >= 0 else { throw malformed(line) }
        try closeBlock()
        guard blocks.updateValue(level, forKey: bytenr) == nil else {
            throw BtrfsDumpProblem(reason: "dump-tree printed tree block \(bytenr) twice")
        }
        block = (bytenr, count, 0, isLeaf)
    }

    /// `\titem I key (K) itemoff O itemsize S`.
    private mutating func item(_ line: Substring) throws(BtrfsDumpProblem) {
        guard let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")"), open < close,
            let key = Self.key(line[line.index(after: open)..<close])
        else { throw malformed(line) }
        let head = line[..<open].split(separator: " ")
        let tail = line[line.index(after: close)...].split(separator: " ")
        guard head.count == 3, let index = Int(head[1]), tail.count == 4, tail[0] == "itemoff", tail[2] == "itemsize",
            let itemOffset = Int(tail[1]), let itemSize = Int(tail[3])
        else { throw malformed(line) }
        guard var block, block.leaf, index == block.next, index < block.count else {
            throw BtrfsDumpProblem(reason: "item \(index) \(key) is out of place in the dump (a name with a line break?)")
        }
        if let lastKey, !(lastKey < key) {
            throw BtrfsDumpProblem(reason: "key \(key) does not follow \(lastKey) in the dump (a name with a line break?)")
        }
        lastKey = key
        block.next += 1
        self.block = block
        if wants(key) { current = BtrfsDumpItem(key: key, leaf: block.bytenr, itemOffset: itemOffset, itemSize: itemSize) }
        if key.type == 144 || key.type == 156, itemSize >= 18 { rootRefPending = itemSize - 18 }
    }

    /// `\tkey (K) block B gen G` of a node.
    private mutating func pointer(_ line: Substring) throws(BtrfsDumpProblem) {
        let words = line.split(separator: " ")
        guard let at = words.firstIndex(of: "block"), at + 1 < words.count, let child = Self.number(words[at + 1]) else {
            throw malformed(line)
        }
        guard var block, !block.leaf, block.next < block.count else {
            throw BtrfsDumpProblem(reason: "a key pointer to block \(child) is out of place in the dump")
        }
        block.next += 1
        self.block = block
        guard parents.updateValue(block.bytenr, forKey: child) == nil else {
            throw BtrfsDumpProblem(reason: "two nodes point to tree block \(child)")
        }
    }

    private func malformed(_ line: Substring) -> BtrfsDumpProblem {
        BtrfsDumpProblem(reason: "unexpected dump-tree line '\(Escapes.visible(String(line.prefix(120))))'")
    }

    // MARK: - Numbers and keys as print-tree.c prints them

    /// Decimal, `0x` hex, or `-1`.
    static func number(_ word: Substring) -> UInt64? {
        if word == "-1" { return .max }
        if word.hasPrefix("0x") { return UInt64(word.dropFirst(2), radix: 16) }
        return UInt64(word)
    }

    /// `print_objectid`'s names (kernel-shared/print-tree.c).
    static let objectidNames: [Substring: UInt64] = [
        "ROOT_TREE": 1, "DEV_ITEMS": 1, "EXTENT_TREE": 2, "CHUNK_TREE": 3, "DEV_TREE": 4, "FS_TREE": 5,
        "ROOT_TREE_DIR": 6, "CSUM_TREE": 7, "QUOTA_TREE": 8, "UUID_TREE": 9, "FREE_SPACE_TREE": 10,
        "BLOCK_GROUP_TREE": 11, "RAID_STRIPE_TREE": 12, "DEV_STATS": 0, "BALANCE": UInt64(bitPattern: -4),
        "ORPHAN": UInt64(bitPattern: -5), "TREE_LOG": UInt64(bitPattern: -6), "LOG_FIXUP": UInt64(bitPattern: -7),
        "TREE_RELOC": UInt64(bitPattern: -8), "DATA_RELOC_TREE": UInt64(bitPattern: -9),
        "EXTENT_CSUM": UInt64(bitPattern: -10), "FREE_SPACE": UInt64(bitPattern: -11),
        "FREE_INO": UInt64(bitPattern: -12), "MULTIPLE": UInt64(bitPattern: -255), "FIRST_CHUNK_TREE": 256,
    ]

    /// `print_key_type`'s names.
    static let typeNames: [Substring: UInt8] = [
        "UNTYPED": 0, "INODE_ITEM": 1, "INODE_REF": 12, "INODE_EXTREF": 13, "XATTR_ITEM": 24,
        "VERITY_DESC_ITEM": 36, "VERITY_MERKLE_ITEM": 37, "ORPHAN_ITEM": 48, "DIR_LOG_ITEM": 60,
        "DIR_LOG_INDEX": 72, "DIR_ITEM": 84, "DIR_INDEX": 96, "EXTENT_DATA": 108, "CSUM_ITEM": 120,
        "EXTENT_CSUM": 128, "ROOT_ITEM": 132, "ROOT_BACKREF": 144, "ROOT_REF": 156, "EXTENT_ITEM": 168,
        "METADATA_ITEM": 169, "EXTENT_OWNER_REF": 172, "TREE_BLOCK_REF": 176, "EXTENT_DATA_REF": 178,
        "EXTENT_REF_V0": 180, "SHARED_BLOCK_REF": 182, "SHARED_DATA_REF": 184, "BLOCK_GROUP_ITEM": 192,
        "FREE_SPACE_INFO": 198, "FREE_SPACE_EXTENT": 199, "FREE_SPACE_BITMAP": 200, "DEV_EXTENT": 204,
        "DEV_ITEM": 216, "CHUNK_ITEM": 228, "QGROUP_STATUS": 240, "QGROUP_INFO": 242, "QGROUP_LIMIT": 244,
        "QGROUP_RELATION": 246, "TEMPORARY_ITEM": 248, "PERSISTENT_ITEM": 249, "DEV_REPLACE": 250,
        "UUID_KEY_SUBVOL": 251, "UUID_KEY_RECEIVED_SUBVOL": 252, "STRING_ITEM": 253,
    ]

    /// The inside of `(OBJECTID TYPE OFFSET)`.
    static func key(_ text: Substring) -> BtrfsKey? {
        let words = text.split(separator: " ")
        guard words.count == 3, let objectid = objectid(words[0]), let type = type(words[1]), let offset = offset(words[2])
        else { return nil }
        return BtrfsKey(objectid: objectid, type: type, offset: offset)
    }

    static func objectid(_ word: Substring) -> UInt64? { number(word) ?? objectidNames[word] }

    static func type(_ word: Substring) -> UInt8? {
        if word.hasPrefix("UNKNOWN.") { return UInt8(word.dropFirst("UNKNOWN.".count)) }
        return typeNames[word]
    }

    /// A number, a tree name (a reloc tree's ROOT_ITEM), or a qgroup id `level/id`.
    static func offset(_ word: Substring) -> UInt64? {
        if let value = objectid(word) { return value }
        let parts = word.split(separator: "/")
        guard parts.count == 2, let level = UInt64(parts[0]), level < 1 << 16, let id = UInt64(parts[1]), id < 1 << 48 else { return nil }
        return level << 48 | id
    }
}

/// Splits a byte stream into lines for the parser (a line longer than the parser keeps is cut there: a
/// real dump-tree line is short).
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func feed(_ bytes: ArraySlice<UInt8>, _ line: (Substring, Int) throws(BtrfsDumpProblem) -> Void) throws(BtrfsDumpProblem) {
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            if pending.isEmpty {
                try line(Substring(decoding: bytes[start..<index], as: UTF8.self), index - start)
            } else {
                pending += bytes[start..<index]
                try line(Substring(decoding: pending, as: UTF8.self), pending.count)
                pending.removeAll(keepingCapacity: true)
            }
            start = index + 1
        }
        if pending.count < BtrfsDumpParser.maxLine { pending += bytes[start...].prefix(BtrfsDumpParser.maxLine - pending.count) }
    }

    mutating func finish(_ line: (Substring, Int) throws(BtrfsDumpProblem) -> Void) throws(BtrfsDumpProblem) {
        if !pending.isEmpty { try line(Substring(decoding: pending, as: UTF8.self), pending.count) }
        pending = []
    }
}
