import SwapInspectCore

/// The sharing evidence of `btrfs_is_data_extent_shared` (fs/btrfs/backref.c), read offline from the
/// extent tree in one dump: the back references of each data extent of the file (what the online
/// path reads with the tree search), and for extents not newer than the subvolume's last snapshot,
/// the back references of the tree blocks from the leaves holding the file's items up to the root —
/// the walk the kernel does level by level where LOGICAL_INO_V2 is not available.
extension BtrfsOffline {
    /// METADATA_ITEM (skinny tree block extent item) and BTRFS_EXTENT_FLAG_TREE_BLOCK.
    static let metadataItemKey: UInt8 = 169
    static let extentFlagTreeBlock: UInt64 = 2
    /// struct btrfs_tree_block_info (a key and a level) after a non-skinny tree block's extent item.
    static let treeBlockInfoSize = 18

    /// One back reference of a tree block: a tree (TREE_BLOCK_REF) or a parent block (SHARED_BLOCK_REF).
    enum BlockRef: Hashable {
        case root(UInt64)
        case parent(UInt64)
    }

    /// The file's items with their data extents' back references and, where needed, the tree walk.
    func sharingEvidence(_ inode: Inode) throws(AreaError) -> [BtrfsFileExtentItem] {
        let lastSnapshot = roots[inode.subvolume]?.lastSnapshot ?? 0
        let tree = trees[inode.subvolume] ?? Tree()
        var dataExtents: Set<UInt64> = []
        var blocks: Set<UInt64> = []
        for (index, item) in inode.items.enumerated() where item.type != .inline && item.diskBytenr != 0 {
            dataExtents.insert(item.diskBytenr)
            if item.generation <= lastSnapshot { blocks.formUnion(ancestors(of: inode.itemLeaves[index], in: tree)) }
        }
        let (dataRefs, blockRefs) = try extentTreeRefs(data: dataExtents, blocks: blocks)
        var leaves: [UInt64: Set<UInt64>] = [:]
        for (index, item) in inode.items.enumerated() where dataExtents.contains(item.diskBytenr) {
            leaves[item.diskBytenr, default: []].insert(inode.itemLeaves[index])
        }
        var walked: [Set<UInt64>: BtrfsTreeSharing] = [:]
        var result = inode.items
        for index in result.indices where dataExtents.contains(result[index].diskBytenr) {
            let item = result[index]
            result[index].backrefs = dataRefs[item.diskBytenr] ?? []
            if item.generation <= lastSnapshot, let from = leaves[item.diskBytenr] {
                let sharing = walked[from] ?? walk(from: from, tree: tree, subvolume: inode.subvolume, refs: blockRefs)
                walked[from] = sharing
                result[index].treeSharing = sharing
            }
        }
        return result
    }

    /// A block and the nodes above it, up to the root of the tree.
    func ancestors(of block: UInt64, in tree: Tree) -> [UInt64] {
        var chain = [block]
        var current = block
        while let parent = tree.parents[current], chain.count < 16 {
            chain.append(parent)
            current = parent
        }
        return chain
    }

    /// Level by level: a block with more than one distinct reference is shared; a block referenced only
    /// by its own tree goes on to its parent, until the tree's root.
    func walk(from leaves: Set<UInt64>, tree: Tree, subvolume: UInt64, refs: [UInt64: [BlockRef]]) -> BtrfsTreeSharing {
        var queue = Array(leaves).sorted()
        var seen: Set<UInt64> = []
        while let block = queue.first {
            queue.removeFirst()
            guard seen.insert(block).inserted else { continue }
            guard let found = refs[block] else { return .unknown("tree block \(block) has no extent item in the extent tree") }
            let distinct = Set(found.filter { $0 != .root(BtrfsLayout.dataRelocTree) })
            if distinct.count > 1 {
                let other = distinct.compactMap { ref -> UInt64? in
                    if case .root(let root) = ref, root != subvolume { return root }
                    return nil
                }.min()
                return .shared(block: block, root: other)
            }
            switch distinct.first {
            case .root(let root) where root == subvolume:
                if roots[subvolume]?.bytenr == block { continue }
                guard let parent = tree.parents[block] else { return .unknown("the dump of subvolume \(subvolume) shows no node above tree block \(block)") }
                queue.append(parent)
            case .parent(let parent):
                queue.append(parent)
            case .root(let root):
                return .unknown("tree block \(block) belongs to subvolume \(root) alone, whose tree is not read")
            case nil:
                return .unknown("tree block \(block) has no back reference")
            }
        }
        return .notShared
    }

    /// One dump of the extent tree, keeping only the items of the data extents and tree blocks asked
    /// for: EXTENT_ITEM/METADATA_ITEM with their inline references, and the keyed ones.
    func extentTreeRefs(data: Set<UInt64>, blocks: Set<UInt64>) throws(AreaError) -> ([UInt64: [BtrfsBackref]], [UInt64: [BlockRef]]) {
        guard !data.isEmpty else { return ([:], [:]) }
        let dump = try dump(tree: "extent") { key in
            switch key.type {
            case BtrfsLayout.extentItemKey: data.contains(key.objectid) || blocks.contains(key.objectid)
            case BtrfsLayout.extentDataRefKey, BtrfsLayout.sharedDataRefKey: data.contains(key.objectid)
            case Self.metadataItemKey, BtrfsLayout.treeBlockRefKey, BtrfsLayout.sharedBlockRefKey: blocks.contains(key.objectid)
            default: false
            }
        }
        var dataRefs: [UInt64: [BtrfsBackref]] = [:]
        var blockRefs: [UInt64: [BlockRef]] = [:]
        for item in dump.items {
            let bytes = try body(item)
            let bytenr = item.key.objectid
            switch item.key.type {
            case BtrfsLayout.extentItemKey, Self.metadataItemKey:
                guard let refs = BtrfsLayout.u64(bytes, 0), let flags = BtrfsLayout.u64(bytes, 16), item.number("refs", line: 0) == refs else {
                    throw unreadable(item)
                }
                if flags & Self.extentFlagTreeBlock != 0 {
                    let start = BtrfsLayout.extentItemSize + (item.key.type == Self.metadataItemKey ? 0 : Self.treeBlockInfoSize)
                    guard let inline = Self.inlineBlockRefs(bytes, from: start) else { throw unreadable(item) }
                    blockRefs[bytenr, default: []] += inline
                } else {
                    guard let inline = BtrfsLayout.inlineBackrefs(bytes) else { throw unreadable(item) }
                    dataRefs[bytenr, default: []] += inline
                }
            case BtrfsLayout.extentDataRefKey:
                guard let ref = BtrfsLayout.extentDataRef(bytes) else { throw unreadable(item) }
                dataRefs[bytenr, default: []].append(ref)
            case BtrfsLayout.sharedDataRefKey:
                guard let ref = BtrfsLayout.sharedDataRef(parent: item.key.offset, bytes) else { throw unreadable(item) }
                dataRefs[bytenr, default: []].append(ref)
            case BtrfsLayout.treeBlockRefKey:
                blockRefs[bytenr, default: []].append(.root(item.key.offset))
            default:
                blockRefs[bytenr, default: []].append(.parent(item.key.offset))
            }
        }
        return (dataRefs, blockRefs)
    }

    func unreadable(_ item: BtrfsDumpItem) -> AreaError {
        AreaError(path: name, operation: "cannot read the extent tree item \(item.key)", reason: "it is not what dump-tree printed")
    }

    /// A tree block's inline references: TREE_BLOCK_REF and SHARED_BLOCK_REF (type, then a u64 root or
    /// parent), EXTENT_OWNER_REF (type, root) skipped. Nil on a malformed item.
    static func inlineBlockRefs(_ bytes: [UInt8], from start: Int) -> [BlockRef]? {
        var refs: [BlockRef] = []
        var position = start
        while position < bytes.count {
            guard let value = BtrfsLayout.u64(bytes, position + 1) else { return nil }
            switch bytes[position] {
            case BtrfsLayout.treeBlockRefKey: refs.append(.root(value))
            case BtrfsLayout.sharedBlockRefKey: refs.append(.parent(value))
            case BtrfsLayout.extentOwnerRefKey: break
            default: return nil
            }
            position += 9
        }
        return refs
    }
}
