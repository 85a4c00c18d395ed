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

    /// Called with each kept item once its lines are in.
    let observe: ((BtrfsDumpItem) -> Void)?

    init(wants: @escaping (BtrfsKey) -> Bool, observe: ((BtrfsDumpItem) -> Void)? = nil) {
        self.wants = wants
        self.observe = observe
    }

    /// A subvolume name (ROOT_REF, ROOT_BACKREF) is printed raw, `name_len` bytes (itemsize - 18):
    /// the bytes still owed when it held a line break, and whether its line is still to come.
    private var nameOwed = 0
    private var rootRefPending: Int?

    typealias Line = ArraySlice<UInt8>
    static let tab = UInt8(ascii: "\t")
    static let space = UInt8(ascii: " ")
    static let itemPrefix = Array("\titem ".utf8)
    static let keyPrefix = Array("\tkey ".utf8)
    static let leafPrefix = Array("leaf ".utf8)
    static let nodePrefix = Array("node ".utf8)
    static let rootRefPrefix = Array("\t\troot ".utf8)
    static let nameMarker = Array(" name ".utf8)

    /// One line of the dump, as text (tests).
    mutating func consume(_ line: Substring) throws(BtrfsDumpProblem) { try consume(Array(line.utf8)[...]) }

    /// One line of the dump, its bytes without the line break. Only the lines of wanted items are
    /// decoded as text; the structure is read from the bytes.
    mutating func consume(_ line: Line) throws(BtrfsDumpProblem) {
        if nameOwed > 0 {
            // The rest of a subvolume name that held a line break: not a line of the dump.
            guard line.count <= nameOwed else { throw malformed(line) }
            nameOwed = line.count == nameOwed ? 0 : nameOwed - line.count - 1
            return
        }
        if let length = rootRefPending {
            rootRefPending = nil
            if line.starts(with: Self.rootRefPrefix), let marker = Self.find(Self.nameMarker, in: line) {
                let shown = line.endIndex - (marker + Self.nameMarker.count)
                if shown < length { nameOwed = length - shown - 1 }
            }
        }
        if line.count >= 2 && line[line.startIndex] == Self.tab && line[line.startIndex + 1] == Self.tab {
            if current != nil, line.count <= Self.maxLine { current!.body.append(Substring(decoding: line, as: UTF8.self)) }
            return
        }
        flush()
        if line.starts(with: Self.itemPrefix) {
            try item(line)
        } else if line.starts(with: Self.keyPrefix) {
            try pointer(line)
        } else if line.starts(with: Self.leafPrefix) || line.starts(with: Self.nodePrefix) {
            try header(line)
        }
        // Anything else is a tree's title, `total bytes`, `fs uuid`: nothing of the structure.
    }

    static func find(_ needle: [UInt8], in line: Line) -> Int? {
        guard line.count >= needle.count else { return nil }
        var index = line.startIndex
        while index + needle.count <= line.endIndex {
            if line[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    static func words(_ line: Line) -> [Line] { line.split(separator: space) }

    static func equal(_ word: Line, _ text: StaticString) -> Bool {
        word.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
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
        if let item = current {
            items.append(item)
            observe?(item)
        }
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
    private mutating func header(_ line: Line) throws(BtrfsDumpProblem) {
        let words = Self.words(line)
        guard words.count >= 4, let bytenr = Self.number(words[1]) else { throw malformed(line) }
        if Self.equal(words[2], "flags") { return }
        let isLeaf = Self.equal(words[0], "leaf")
        let countIndex = isLeaf ? 2 : 4
        guard words.count > countIndex + 1, Self.equal(words[countIndex], "items"), let count = Self.number(words[countIndex + 1]),
            count < 1 << 20, isLeaf || Self.equal(words[2], "level")
        else { throw malformed(line) }
        let level = isLeaf ? 0 : Self.number(words[3]).map { min($0, 255) } ?? 255
        guard level < 8 else { throw malformed(line) }
        try closeBlock()
        guard blocks.updateValue(Int(level), forKey: bytenr) == nil else {
            throw BtrfsDumpProblem(reason: "dump-tree printed tree block \(bytenr) twice")
        }
        block = (bytenr, Int(count), 0, isLeaf)
    }

    /// `\titem I key (K) itemoff O itemsize S`.
    private mutating func item(_ line: Line) throws(BtrfsDumpProblem) {
        guard let open = line.firstIndex(of: UInt8(ascii: "(")), let close = line.firstIndex(of: UInt8(ascii: ")")), open < close,
            let key = Self.key(line[(open + 1)..<close])
        else { throw malformed(line) }
        let head = Self.words(line[..<open])
        let tail = Self.words(line[(close + 1)...])
        guard head.count == 3, let index = Self.number(head[1]), tail.count == 4, Self.equal(tail[0], "itemoff"),
            Self.equal(tail[2], "itemsize"), let itemOffset = Self.number(tail[1]), itemOffset < 1 << 20,
            let itemSize = Self.number(tail[3]), itemSize < 1 << 20
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
        if wants(key) { current = BtrfsDumpItem(key: key, leaf: block.bytenr, itemOffset: Int(itemOffset), itemSize: Int(itemSize)) }
        if key.type == 144 || key.type == 156, itemSize >= 18 { rootRefPending = Int(itemSize) - 18 }
    }

    /// `\tkey (K) block B gen G` of a node.
    private mutating func pointer(_ line: Line) throws(BtrfsDumpProblem) {
        let words = Self.words(line)
        guard let at = words.firstIndex(where: { Self.equal($0, "block") }), at + 1 < words.count, let child = Self.number(words[at + 1]) else {
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

    private func malformed(_ line: Line) -> BtrfsDumpProblem {
        BtrfsDumpProblem(reason: "unexpected dump-tree line '\(Escapes.visible(String(decoding: line.prefix(120), as: UTF8.self)))'")
    }

    // MARK: - Numbers and keys as print-tree.c prints them

    /// Decimal, `0x` hex, or `-1`.
    static func number(_ word: Substring) -> UInt64? { number(Array(word.utf8)[...]) }

    static func number(_ word: Line) -> UInt64? {
        guard !word.isEmpty else { return nil }
        if word.elementsEqual([UInt8(ascii: "-"), UInt8(ascii: "1")]) { return .max }
        var digits = word
        var radix: UInt64 = 10
        if word.count > 2, word[word.startIndex] == UInt8(ascii: "0"), word[word.startIndex + 1] == UInt8(ascii: "x") {
            digits = word.dropFirst(2)
            radix = 16
        }
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = UInt64(byte - UInt8(ascii: "a")) + 10
            default: return nil
            }
            let (times, overflow) = value.multipliedReportingOverflow(by: radix)
            let (sum, carry) = times.addingReportingOverflow(digit)
            if overflow || carry { return nil }
            value = sum
        }
        return value
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
    static func key(_ text: Substring) -> BtrfsKey? { key(Array(text.utf8)[...]) }

    static func key(_ text: Line) -> BtrfsKey? {
        let words = words(text)
        guard words.count == 3, let objectid = objectid(words[0]), let type = type(words[1]), let offset = offset(words[2])
        else { return nil }
        return BtrfsKey(objectid: objectid, type: type, offset: offset)
    }

    static func objectid(_ word: Line) -> UInt64? { number(word) ?? objectidNames[Substring(decoding: word, as: UTF8.self)] }

    static func type(_ word: Line) -> UInt8? {
        let text = Substring(decoding: word, as: UTF8.self)
        if text.hasPrefix("UNKNOWN.") { return UInt8(text.dropFirst("UNKNOWN.".count)) }
        return typeNames[text]
    }

    /// A number, a tree name (a reloc tree's ROOT_ITEM), or a qgroup id `level/id`.
    static func offset(_ word: Line) -> UInt64? {
        if let value = objectid(word) { return value }
        let parts = word.split(separator: UInt8(ascii: "/"))
        guard parts.count == 2, let level = number(parts[0]), level < 1 << 16, let id = number(parts[1]), id < 1 << 48 else { return nil }
        return level << 48 | id
    }
}

/// Splits a byte stream into lines for the parser (a line longer than the parser keeps is cut there: a
/// real dump-tree line is short).
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func feed(_ bytes: ArraySlice<UInt8>, _ line: (ArraySlice<UInt8>) throws(BtrfsDumpProblem) -> Void) throws(BtrfsDumpProblem) {
        var start = bytes.startIndex
        while let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            if pending.isEmpty {
                try line(bytes[start..<end])
            } else {
                if pending.count < BtrfsDumpParser.maxLine { pending += bytes[start..<end].prefix(BtrfsDumpParser.maxLine - pending.count) }
                try line(pending[...])
                pending.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
        if pending.count < BtrfsDumpParser.maxLine { pending += bytes[start...].prefix(BtrfsDumpParser.maxLine - pending.count) }
    }

    mutating func finish(_ line: (ArraySlice<UInt8>) throws(BtrfsDumpProblem) -> Void) throws(BtrfsDumpProblem) {
        if !pending.isEmpty { try line(pending[...]) }
        pending = []
    }
}
