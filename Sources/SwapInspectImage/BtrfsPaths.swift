import SwapInspectCore

/// Path lookup and file contents in the subvolume trees, offline: a directory entry is the DIR_ITEM
/// keyed by the name's hash, a subvolume is crossed where an entry's location is a ROOT_ITEM key, and
/// symbolic links are followed inside the image (at most 40, as namei does).
extension BtrfsOffline {
    /// What a subvolume's dump collects: DIR_ITEMs of the hashes asked for, and the INODE_ITEM and
    /// EXTENT_DATA items of the inodes asked for; asking for more dumps the tree again.
    func ensure(_ subvolume: UInt64, hashes: Set<UInt64> = [], inodes: Set<UInt64> = []) throws(AreaError) {
        var tree = trees[subvolume] ?? Tree()
        let seeds = tree.dumped ? [] : Set(seedNames.map { UInt64(BtrfsNameHash.hash(Array($0.utf8))) })
        if tree.dumped && hashes.isSubset(of: tree.hashes) && inodes.isSubset(of: tree.inodes) { return }
        guard roots[subvolume] != nil else {
            throw AreaError(path: name, operation: "cannot read subvolume \(subvolume)", reason: "the root tree has no ROOT_ITEM for it")
        }
        tree.hashes.formUnion(hashes.union(seeds))
        tree.inodes.formUnion(inodes)
        let wantedHashes = tree.hashes
        // The inodes the kept directory entries name are kept too, from then on: all of an inode's
        // items follow its directory's when its number is the higher (the usual case), which saves a
        // second dump of the tree to read the file found.
        let wanted = WantedInodes(tree.inodes)
        let dump = try dump(
            tree: String(subvolume),
            wants: { key in
                switch key.type {
                case 84: wantedHashes.contains(key.offset)
                case BtrfsLayout.inodeItemKey, BtrfsLayout.extentDataKey: wanted.inodes.contains(key.objectid)
                default: false
                }
            },
            observe: { item in
                guard item.key.type == 84, let location = Self.location(item), location.type == BtrfsLayout.inodeItemKey,
                    location.objectid > item.key.objectid, !wanted.inodes.contains(location.objectid)
                else { return }
                wanted.inodes.insert(location.objectid)
                wanted.found.insert(location.objectid)
            })
        tree.inodes.formUnion(wanted.found)
        tree.dirItems = [:]
        tree.inodeItems = [:]
        tree.extentData = [:]
        for item in dump.items {
            switch item.key.type {
            case 84: tree.dirItems[item.key] = item
            case BtrfsLayout.inodeItemKey: tree.inodeItems[item.key.objectid] = item
            default: tree.extentData[item.key.objectid, default: []].append(item)
            }
        }
        tree.parents = dump.parents
        tree.dumped = true
        trees[subvolume] = tree
    }

    final class WantedInodes {
        var inodes: Set<UInt64>
        var found: Set<UInt64> = []
        init(_ inodes: Set<UInt64>) { self.inodes = inodes }
    }

    /// The location key of a DIR_ITEM's first entry as dump-tree printed it (`location key (K) type T`).
    static func location(_ item: BtrfsDumpItem) -> BtrfsKey? {
        guard let line = item.body.first, let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")"), open < close else { return nil }
        return BtrfsDumpParser.key(line[line.index(after: open)..<close])
    }

    /// An inode: its INODE_ITEM decoded (struct btrfs_inode_item) and its EXTENT_DATA items.
    struct Inode {
        var subvolume: UInt64
        var number: UInt64
        var size: UInt64
        var nbytes: UInt64
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var flags: UInt64
        var items: [BtrfsFileExtentItem]
        /// The dump items behind `items` (same order): their leaves, for the walk up the tree.
        var itemLeaves: [UInt64]

        var isRegular: Bool { mode & 0o170000 == 0o100000 }
        var isSymlink: Bool { mode & 0o170000 == 0o120000 }
        var typeDescription: String { fileTypeDescription(mode) }
    }

    func inode(_ number: UInt64, in subvolume: UInt64) throws(AreaError) -> Inode {
        try ensure(subvolume, inodes: [number])
        let tree = trees[subvolume]!
        guard let item = tree.inodeItems[number] else {
            throw AreaError(path: name, operation: "cannot read inode \(number) of subvolume \(subvolume)", reason: "it has no INODE_ITEM")
        }
        let bytes = try body(item)
        guard let size = BtrfsLayout.u64(bytes, 16), let nbytes = BtrfsLayout.u64(bytes, 24), let uid = BtrfsLayout.u32(bytes, 44),
            let gid = BtrfsLayout.u32(bytes, 48), let mode = BtrfsLayout.u32(bytes, 52), let flags = BtrfsLayout.inodeFlags(bytes),
            item.number("size") == size
        else {
            throw AreaError(path: name, operation: "cannot read inode \(number) of subvolume \(subvolume)", reason: "its INODE_ITEM is not what dump-tree printed")
        }
        var items: [BtrfsFileExtentItem] = []
        var leaves: [UInt64] = []
        for dumped in tree.extentData[number] ?? [] {
            let raw = try body(dumped)
            guard let decoded = BtrfsLayout.fileExtentItem(fileOffset: dumped.key.offset, raw), dumped.number("generation", line: 0) == decoded.generation
            else {
                throw AreaError(path: name, operation: "cannot read the extent item \(dumped.key)", reason: "it is not what dump-tree printed")
            }
            items.append(decoded)
            leaves.append(dumped.leaf)
        }
        return Inode(
            subvolume: subvolume, number: number, size: size, nbytes: nbytes, mode: mode, uid: uid, gid: gid, flags: flags, items: items,
            itemLeaves: leaves)
    }

    /// The first `count` bytes of a file, as the kernel reads them: inline data, regular extents from
    /// the device, preallocated ranges and holes as zeroes. Compressed data is not decompressed.
    /// Compressed data at or after `required` bytes ends what is read there (a shorter result).
    func read(_ inode: Inode, count: Int, path: String, required: Int? = nil) throws(AreaError) -> [UInt8] {
        let count = Int(min(UInt64(max(count, 0)), inode.size))
        var bytes = [UInt8](repeating: 0, count: count)
        for (index, item) in inode.items.enumerated() where item.fileOffset < UInt64(count) {
            let start = Int(item.fileOffset)
            if item.compression != 0 || item.encryption != 0 {
                if let required, start >= required { return Array(bytes[..<start]) }
                throw AreaError(
                    path: path, operation: "cannot read offline",
                    reason: "its data at file offset \(item.fileOffset) is compressed (algorithm \(item.compression)), which dump-tree does not decompress; use --allow-kernel-mount")
            }
            switch item.type {
            case .inline:
                let raw = try body(trees[inode.subvolume]!.extentData[inode.number]![index])
                let data = raw.dropFirst(BtrfsLayout.fileExtentDiskBytenrOffset).prefix(count - start)
                bytes.replaceSubrange(start..<(start + data.count), with: data)
            case .regular where item.diskBytenr != 0:
                let length = Int(min(item.numBytes, UInt64(count - start)))
                let logical = item.diskBytenr + item.offset
                let data = try readDevice(try physical(logical, count: length), length)
                guard data.count == length else {
                    throw AreaError(path: path, operation: "cannot read offline", reason: "its data at file offset \(item.fileOffset) lies past the end of the image")
                }
                bytes.replaceSubrange(start..<(start + data.count), with: data)
            default:
                continue
            }
        }
        return bytes
    }

    /// A path looked up, with the symbolic links followed on the way.
    struct Resolved {
        var inode: Inode
        var canonical: String
        var links: [String]
    }

    static let maxLinks = 40

    /// Looks `path` up from the namespace `mounts` describes (mount point -> subvolume), the way the
    /// booted system would see it.
    func resolve(_ path: String, mounts: [(point: String, subvolume: UInt64)], asked: String) throws(AreaError) -> Resolved {
        var done: [String] = []
        var pending = path.split(separator: "/").map(String.init)
        var links: [String] = []
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                if !done.isEmpty { done.removeLast() }
                continue
            }
            // A mount point is the root of what is mounted there, not an entry of the directory under it.
            if mounts.contains(where: { $0.point != "/" && $0.point.split(separator: "/").map(String.init) == done + [component] }) {
                done.append(component)
                continue
            }
            let here = try directory(done, mounts: mounts, asked: asked)
            let entry = try lookUp(component, in: here, soFar: done, asked: asked)
            if entry.type == 7 {  // BTRFS_FT_SYMLINK
                guard links.count < Self.maxLinks else {
                    throw AreaError(path: AreaError.path(asked, inside: name), operation: "cannot look up", reason: "too many levels of symbolic links")
                }
                let link = try inode(entry.location.objectid, in: here.subvolume)
                let target = String(decoding: try read(link, count: 4096, path: asked), as: UTF8.self)
                links.append("/" + (done + [component]).joined(separator: "/") + " -> " + target)
                if target.hasPrefix("/") { done = [] }
                pending = target.split(separator: "/").map(String.init) + pending
                continue
            }
            done.append(component)
        }
        let canonical = "/" + done.joined(separator: "/")
        guard let last = done.last else { throw AreaError(path: AreaError.path(asked, inside: name), operation: "cannot audit", reason: "a directory") }
        if mounts.contains(where: { $0.point.split(separator: "/").map(String.init) == done }) {
            throw AreaError(path: AreaError.path(asked, inside: name), operation: "cannot audit", reason: "a mount point (a directory), not a regular file (inside the image): swapon refuses it")
        }
        let parent = try directory(Array(done.dropLast()), mounts: mounts, asked: asked)
        let entry = try lookUp(last, in: parent, soFar: Array(done.dropLast()), asked: asked)
        if entry.location.type == BtrfsLayout.rootItemKey {
            throw AreaError(path: AreaError.path(asked, inside: name), operation: "cannot audit", reason: "a subvolume (a directory), not a regular file (inside the image): swapon refuses it")
        }
        return Resolved(inode: try inode(entry.location.objectid, in: parent.subvolume), canonical: canonical, links: links)
    }

    struct Place {
        var subvolume: UInt64
        var directory: UInt64
    }

    /// The directory a canonical path (no links left) names: from the mount holding it, down its tree.
    func directory(_ components: [String], mounts: [(point: String, subvolume: UInt64)], asked: String) throws(AreaError) -> Place {
        let path = "/" + components.joined(separator: "/")
        let mount = mounts.filter { Self.isPrefix($0.point, of: path) }.max { $0.point.count < $1.point.count }
        let subvolume = mount?.subvolume ?? defaultSubvolume
        guard let root = roots[subvolume] else {
            throw AreaError(path: name, operation: "cannot read subvolume \(subvolume)", reason: "the root tree has no ROOT_ITEM for it")
        }
        var place = Place(subvolume: subvolume, directory: root.rootDir)
        let skip = mount.map { $0.point.split(separator: "/").count } ?? 0
        for (index, component) in components.enumerated().dropFirst(skip) {
            let entry = try lookUp(component, in: place, soFar: Array(components[..<index]), asked: asked)
            if entry.location.type == BtrfsLayout.rootItemKey {
                guard let inner = roots[entry.location.objectid] else {
                    throw AreaError(path: name, operation: "cannot read subvolume \(entry.location.objectid)", reason: "the root tree has no ROOT_ITEM for it")
                }
                place = Place(subvolume: entry.location.objectid, directory: inner.rootDir)
            } else if entry.type == 2 {  // BTRFS_FT_DIR
                place.directory = entry.location.objectid
            } else {
                throw AreaError(
                    path: AreaError.path(asked, inside: name), operation: "cannot look up", errno: .notDirectory,
                    reason: "/\(components[...index].joined(separator: "/")) is not a directory (inside the image)")
            }
        }
        return place
    }

    static func isPrefix(_ point: String, of path: String) -> Bool {
        point == "/" || path == point || path.hasPrefix(point.hasSuffix("/") ? point : point + "/")
    }

    /// The entry `component` of a directory: the DIR_ITEM at its name's hash, the name compared.
    func lookUp(_ component: String, in place: Place, soFar: [String], asked: String) throws(AreaError) -> DirEntry {
        let bytes = Array(component.utf8)
        let hash = UInt64(BtrfsNameHash.hash(bytes))
        try ensure(place.subvolume, hashes: [hash])
        let key = BtrfsKey(objectid: place.directory, type: 84, offset: hash)
        guard let item = trees[place.subvolume]?.dirItems[key], let entry = try dirEntries(item, name: bytes).first else {
            throw AreaError(
                path: AreaError.path(asked, inside: name), operation: "cannot look up", errno: .noSuchFileOrDirectory,
                reason: "no such file inside the image")
        }
        return entry
    }
}
