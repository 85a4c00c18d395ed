/// What `btrfs_swap_activate` would do, as far as the facts allow.
public struct BtrfsOutcome: Sendable, Equatable {
    /// Accepted or refused; nil when the verdict depends on something that could not be read.
    public var activation: Activation?
    /// Why there is no verdict (the report becomes undetermined, exit 2).
    public var undetermined: String?
    /// What `btrfs inspect-internal map-swapfile -r` and systemd's btrfs path compute: the first
    /// EXTENT_DATA item's `disk_bytenr` through the chunk's stripe formula, ignoring the item's extent
    /// offset, divided by the page size. Nil when that tool would fail or the chunk map is unknown.
    public var mapSwapfileResumeOffset: UInt64?
    /// The device the kernel pins (`si->bdev`): stripe 0 of the first item's chunk.
    public var pinnedDevice: UInt64?
    /// Observations for the report's notes.
    public var notes: [String] = []
}

/// `btrfs_swap_activate` (fs/btrfs/inode.c, the 6.13+ form that walks the inode's file extent items),
/// docs/kernel-rules.md §2.4. Checks in the kernel's order: the inode flags (compressed, copy-on-write,
/// checksummed), then for each EXTENT_DATA item from file offset 0: hole, inline, compressed, explicit
/// hole, shared, data profile, device; runs merge on device addresses and are added by
/// `btrfs_add_swap_extent`, which is `iomap_swapfile_add_extent` (`RunAccumulator`).
///
/// Sharing (`btrfs_is_data_extent_shared`, fs/btrfs/backref.c) is decided by, in order of authority:
/// 1. FIEMAP_EXTENT_SHARED of the item's range: btrfs's FIEMAP (6.2+ `extent_fiemap`) sets it with that
///    very function, delayed references included, so it is the kernel's own answer;
/// 2. a mirror of the function over the extent tree: any data back reference of another inode, or more
///    than one distinct reference (root, inode, offset) or shared-leaf reference → shared; else an item
///    generation newer than the subvolume's `last_snapshot` → not shared; else the leaf may be shared
///    with a snapshot through the tree, which BTRFS_IOC_LOGICAL_INO_V2 resolves (another root or inode
///    among the referencers → shared).
/// Block-group lookups (`could not find block group containing swapfile`, read-only block groups during
/// scrub or balance) and exclusive operations in progress are not visible from userspace.
public enum BtrfsSimulator {
    public static func activate(_ facts: AreaFacts, btrfs: BtrfsFacts, pageSize: Int, maxPages: UInt64) -> BtrfsOutcome {
        var walk = Walk(facts: facts, btrfs: btrfs, pageSize: pageSize, maxPages: maxPages)
        return walk.run()
    }

    /// `btrfs filesystem mkswapfile --size` argument for a file of this size.
    static func sizeArgument(_ bytes: UInt64) -> String {
        let mebibyte: UInt64 = 1 << 20
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30)g" }
        if bytes % mebibyte == 0 { return "\(bytes / mebibyte)m" }
        return "\((bytes + mebibyte - 1) / mebibyte)m"
    }

    /// The map-swapfile / systemd resume offset (btrfs-progs cmds/inspect.c `map_physical_start`).
    public static func mapSwapfileResumeOffset(_ btrfs: BtrfsFacts, pageSize: Int) -> UInt64? {
        guard btrfs.noCow, !btrfs.compress, let items = btrfs.items, btrfs.chunks != nil else { return nil }
        var physicalStart: UInt64?
        var devid: UInt64?
        for item in items {
            switch item.type {
            case .regular, .prealloc:
                if item.diskBytenr == 0 { return nil }  // "file with holes"
            default:
                return nil  // "file with inline extent" / "unknown extent type"
            }
            if item.compression != 0 || item.encryption != 0 || item.otherEncoding != 0 { return nil }
            guard let chunk = btrfs.chunk(containing: item.diskBytenr) else { return nil }
            if chunk.profile != 0 { return nil }  // "unsupported block group profile"
            if let devid, devid != chunk.stripes[0].devid {
                // "file stored on multiple devices" is printed, but the loop only breaks: the tool
                // still prints the offset and exits 0.
                break
            }
            devid = chunk.stripes[0].devid
            if physicalStart == nil {
                let relative = item.diskBytenr - chunk.logical
                let stripeLength = max(chunk.stripeLength, 1)
                var stripeNumber = relative / stripeLength
                let stripeOffset = relative - stripeNumber * stripeLength
                let stripeIndex = Int(stripeNumber % UInt64(chunk.stripes.count))
                stripeNumber /= UInt64(chunk.stripes.count)
                physicalStart = chunk.stripes[stripeIndex].offset + stripeNumber * stripeLength + stripeOffset
            }
        }
        return physicalStart.map { $0 / UInt64(pageSize) }
    }
}

/// One pass of `btrfs_swap_activate` over the facts.
private struct Walk {
    let facts: AreaFacts
    let btrfs: BtrfsFacts
    let pageSize: Int
    var outcome = BtrfsOutcome()
    var activation = Activation(model: .btrfs)
    var accumulator: RunAccumulator
    var pinned: UInt64?
    /// Checks that passed only because their input is unknown: the kernel might refuse there first.
    var unknownChecks: [String] = []
    var profileUndecided = false
    var deviceUndecided = false
    /// FIEMAP extents, for the kernel's own sharing answer.
    let fiemap: [FileExtent]
    var fiemapCursor = 0
    /// The profile bits of the DATA spaces (BTRFS_IOC_SPACE_INFO), for the walk without the chunk tree.
    let dataProfiles: Set<UInt64>?

    init(facts: AreaFacts, btrfs: BtrfsFacts, pageSize: Int, maxPages: UInt64) {
        self.facts = facts
        self.btrfs = btrfs
        self.pageSize = pageSize
        accumulator = RunAccumulator(pageSize: UInt64(pageSize), maxPages: maxPages)
        fiemap = facts.source == .fiemap ? facts.extents : []
        dataProfiles = btrfs.dataSpaceFlags.map { Set($0.map { $0 & BtrfsLayout.profileMask }) }
    }

    var path: String { facts.path }
    var device: String { btrfs.kernelDeviceName ?? "?" }
    func warning(_ text: String) -> String { "BTRFS warning (device \(device)): \(text)" }
    var size: String { BtrfsSimulator.sizeArgument(facts.size) }

    mutating func refuse(_ code: FindingCode, _ kernelText: String, detail: String, advice: String? = nil) -> BtrfsOutcome {
        let message = warning(kernelText)
        let text = "\(kernelText): \(detail)"
        let finding = advice.map { Finding(code, text, advice: $0) } ?? Finding(code, text)
        activation.refusal = Refusal(kernelMessage: message, finding: finding)
        if !unknownChecks.isEmpty {
            outcome.notes.append(
                "the refusal is certain, but the kernel may report an earlier check instead: \(unknownChecks.joined(separator: "; ")) could not be decided without the chunk tree")
        }
        outcome.activation = activation
        return outcome
    }

    mutating func refuseHole(_ detail: String) -> BtrfsOutcome {
        refuse(.holes, "swapfile must not have holes", detail: detail)
    }

    mutating func refuseInline() -> BtrfsOutcome {
        refuse(.inlineData, "swapfile must not be inline", detail: "the data lives inside the file system tree")
    }

    mutating func refuseProfile(_ code: FindingCode, detail: String) -> BtrfsOutcome {
        refuse(
            code, "swapfile must have single data profile", detail: detail,
            advice: "swap files need the single data profile: use a swap partition, or a file system (or data) converted to single (btrfs balance start -dconvert=single MOUNTPOINT)")
    }

    mutating func undetermined(_ reason: String) -> BtrfsOutcome {
        outcome.undetermined = reason
        outcome.activation = nil
        return outcome
    }

    mutating func run() -> BtrfsOutcome {
        // Flags first: the inode lock is held, so they cannot change under the walk.
        if btrfs.compress {
            return refuse(
                .compressed, "swapfile must not be compressed",
                detail: "the file has the compression attribute (lsattr shows c: chattr +c, `btrfs property set \(path) compression …`, or inherited from its directory)")
        }
        if !btrfs.noCow {
            return refuse(
                .copyOnWrite, "swapfile must not be copy-on-write",
                detail: "the file lacks the NOCOW attribute (lsattr shows no C); chattr +C takes effect only on an empty file, so it cannot be added once data is written")
        }
        if let noDataSum = btrfs.noDataSum, !noDataSum {
            return refuse(
                .copyOnWrite, "swapfile must not be checksummed",
                detail: "the inode is NODATACOW but not NODATASUM (its data still has checksums)")
        }
        if btrfs.noDataSum == nil {
            outcome.notes.append(
                "NODATASUM was not read (FS_IOC_GETFLAGS does not show it; the tree search needs root, and the tree's inode item can lag a fresh chattr): it is taken to follow NOCOW, which chattr +C on an empty file and -o nodatacow set together")
        }

        let sector = UInt64(max(btrfs.sectorSize, 1))
        let isize = facts.size / sector * sector
        if let delalloc = fiemap.first(where: { $0.logical < isize && !$0.flags.isDisjoint(with: [.delalloc, .unknown]) }) {
            return undetermined(
                "data at file bytes \(delalloc.logical)..\(delalloc.lastByte) is not yet on disk (delayed allocation): the kernel writes it back before it maps the file, to a place not known yet; run sync, or inspect with --sync")
        }
        let result = if let items = btrfs.items { walkItems(items, isize: isize) } else { walkFiemap(isize: isize) }
        if let result { return result }

        accumulator.flush()
        if !unknownChecks.isEmpty {
            return undetermined(
                "the verdict depends on the chunk tree, which only root can read (BTRFS_IOC_TREE_SEARCH_V2): \(unknownChecks.joined(separator: "; "))")
        }
        if accumulator.nrPages == 0 {
            return undetermined("no run of the file holds a whole \(pageSize)-byte page; the kernel's handling of an empty btrfs swap area is not modelled")
        }
        activation.finish(list: accumulator.list, lowest: accumulator.lowest, highest: accumulator.highest, nrPages: accumulator.nrPages)
        if btrfs.chunks == nil {
            activation.addressSpace = .btrfsLogical
        }
        outcome.pinnedDevice = pinned
        if activation.pages == 0 {
            activation.refusal = KernelRules.emptyAfterActivation(path)
        }
        outcome.activation = activation
        outcome.mapSwapfileResumeOffset = BtrfsSimulator.mapSwapfileResumeOffset(btrfs, pageSize: pageSize)
        return outcome
    }

    // MARK: - The walk over EXTENT_DATA items (root)

    mutating func walkItems(_ items: [BtrfsFileExtentItem], isize: UInt64) -> BtrfsOutcome? {
        var index = 0
        var previousEnd: UInt64 = 0
        while previousEnd < isize {
            // btrfs_search_slot for (ino, EXTENT_DATA, prev_extent_end): an exact key or nothing.
            while index < items.count && items[index].fileOffset < previousEnd { index += 1 }
            guard index < items.count, items[index].fileOffset == previousEnd else {
                let next = index < items.count ? min(items[index].fileOffset, isize) : isize
                return refuseHole("no extent at file bytes \(previousEnd)..\(next - 1) (a hole)")
            }
            let item = items[index]
            if item.type == .inline { return refuseInline() }
            if item.compression != 0 {
                return refuse(
                    .compressed, "swapfile must not be compressed",
                    detail: "the extent at file offset \(item.fileOffset) is compressed (algorithm \(item.compression))")
            }
            if item.diskBytenr == 0 {
                let end = item.end(sectorSize: btrfs.sectorSize)
                let span = end > item.fileOffset ? "\(item.fileOffset)..\(end - 1)" : "\(item.fileOffset)"
                return refuseHole("file bytes \(span) are an explicit hole")
            }
            let logical = item.diskBytenr &+ item.offset
            let end = item.end(sectorSize: btrfs.sectorSize)
            let length = end > isize ? isize - item.fileOffset : item.numBytes
            previousEnd = end
            switch sharing(of: item) {
            case .shared(let sharer):
                return refuse(
                    .sharedExtents, "swapfile must not be copy-on-write",
                    detail: "the extent at file offset \(item.fileOffset) (logical \(item.diskBytenr)) is shared: \(sharer.detail(ours: btrfs.subvolume))",
                    advice: sharingAdvice(sharer))
            case .unknown:
                return undetermined("whether the extent at file offset \(item.fileOffset) is shared could not be determined")
            case .notShared:
                break
            }
            if let result = place(logical: logical, length: length, fileOffset: item.fileOffset) { return result }
            index += 1
        }
        return nil
    }

    enum Sharing { case shared(Sharer), notShared, unknown }

    /// What makes two back references distinct for `btrfs_is_data_extent_shared`.
    enum DistinctRef: Equatable { case data(root: UInt64, objectid: UInt64, offset: UInt64), parent(UInt64) }

    /// Who else references a data extent.
    enum Sharer {
        /// Another subvolume (a snapshot) holds a reference of its own, or reaches the leaf through a
        /// tree block it shares (`throughTree`).
        case snapshot(root: UInt64, throughTree: Bool)
        /// A shared (full back reference) leaf: a snapshot, subvolume unknown.
        case sharedLeaf
        /// Another file (a reflinked copy).
        case file(inode: UInt64, root: UInt64)
        /// This file at another offset (a reflink within the file).
        case sameFile
        /// FIEMAP_EXTENT_SHARED without the extent tree's detail.
        case unknown

        func detail(ours: UInt64?) -> String {
            switch self {
            case .snapshot(let root, false): "subvolume \(root) references it too (a snapshot)"
            case .snapshot(let root, true):
                "subvolume \(root) reaches it through a tree block it shares with subvolume \(ours.map(String.init) ?? "?") (a snapshot)"
            case .sharedLeaf: "a tree leaf shared with a snapshot references it"
            case .file(let inode, let root): "inode \(inode) in subvolume \(root) references it (a reflinked copy)"
            case .sameFile: "the file references it at two places (a reflink within the file)"
            case .unknown: "another subvolume (a snapshot) or file (a reflinked copy) references it (FIEMAP_EXTENT_SHARED)"
            }
        }
    }

    /// FIEMAP_EXTENT_SHARED of the FIEMAP extent holding `fileOffset`, if FIEMAP mapped it.
    mutating func fiemapShared(at fileOffset: UInt64) -> Bool? {
        while fiemapCursor < fiemap.count && fiemap[fiemapCursor].logicalEnd <= fileOffset { fiemapCursor += 1 }
        guard fiemapCursor < fiemap.count, fiemap[fiemapCursor].logical <= fileOffset else { return nil }
        return fiemap[fiemapCursor].flags.contains(.shared)
    }

    mutating func sharing(of item: BtrfsFileExtentItem) -> Sharing {
        let mirror = mirrorSharing(item)
        let kernel = fiemapShared(at: item.fileOffset)
        switch (kernel, mirror) {
        case (true, .shared(let sharer)):
            return .shared(sharer)
        case (true, _):
            if case .notShared = mirror {
                outcome.notes.append(
                    "the extent tree shows no other reference to the extent at file offset \(item.fileOffset), but the kernel's own check (FIEMAP_EXTENT_SHARED) finds it shared; following the kernel")
            }
            return .shared(.unknown)
        case (false, .shared(let sharer)):
            outcome.notes.append(
                "the extent tree suggests the extent at file offset \(item.fileOffset) is shared (\(sharer.detail(ours: btrfs.subvolume))), but the kernel's own check (FIEMAP_EXTENT_SHARED) finds it unshared; following the kernel")
            return .notShared
        case (false, _):
            return .notShared
        case (nil, let mirror):
            return mirror
        }
    }

    /// `btrfs_is_data_extent_shared` over the extent tree and LOGICAL_INO (see the type's comment).
    func mirrorSharing(_ item: BtrfsFileExtentItem) -> Sharing {
        guard let backrefs = item.backrefs else { return .unknown }
        var distinct: [DistinctRef] = []
        var roots: [UInt64] = []
        for ref in backrefs {
            switch ref {
            case .data(let root, let objectid, let offset, let count):
                // add_inline_refs/add_keyed_refs: a reference of another inode is sharing at once.
                if objectid != btrfs.inode {
                    return .shared(.file(inode: objectid, root: root))
                }
                // add_prelim_ref ignores the data relocation tree; identical (root, inode, offset) refs merge.
                if root == BtrfsLayout.dataRelocTree || count == 0 { continue }
                let key = DistinctRef.data(root: root, objectid: objectid, offset: offset)
                if !distinct.contains(key) { distinct.append(key) }
                if !roots.contains(root) { roots.append(root) }
                if distinct.count > 1 {
                    if let other = roots.first(where: { $0 != btrfs.subvolume }) {
                        return .shared(.snapshot(root: other, throughTree: false))
                    }
                    return .shared(.sameFile)
                }
            case .sharedData(let parent, let count):
                if count == 0 { continue }
                let key = DistinctRef.parent(parent)
                if !distinct.contains(key) { distinct.append(key) }
                if distinct.count > 1 {
                    return .shared(.sharedLeaf)
                }
            case .other:
                continue
            }
        }
        // find_parent_nodes: an extent written after the newest snapshot of the subvolume cannot be
        // shared through the tree.
        if let lastSnapshot = btrfs.lastSnapshot, item.generation > lastSnapshot { return .notShared }
        switch item.treeSharing {
        case .notShared: return .notShared
        case .shared(_, let root?): return .shared(.snapshot(root: root, throughTree: true))
        case .shared(_, nil): return .shared(.sharedLeaf)
        case .unknown: return .unknown
        case nil: break
        }
        guard let referencers = item.referencers else { return .unknown }
        let others = referencers.filter { $0.root != btrfs.subvolume || $0.inode != btrfs.inode }
        guard let other = others.first else { return .notShared }
        if other.inode == btrfs.inode && other.root != btrfs.subvolume {
            return .shared(.snapshot(root: other.root, throughTree: true))
        }
        return .shared(other.inode == btrfs.inode ? .sameFile : .file(inode: other.inode, root: other.root))
    }

    /// What to do when another file or snapshot shares the file's extents: nothing that deletes data is
    /// run for the user, so this is advice in the message, not a fix.
    func sharingAdvice(_ sharer: Sharer) -> String {
        let mount = btrfs.mountPoint ?? "MOUNTPOINT"
        let ownSubvolume = "or keep the swap file in a subvolume of its own that is never snapshotted: btrfs subvolume create \(mount)/@swap; btrfs filesystem mkswapfile --size \(size) \(mount)/@swap/swapfile"
        let deleteSnapshot = "btrfs subvolume delete SNAPSHOT; btrfs subvolume sync \(mount)"
        switch sharer {
        case .snapshot(let root, _):
            return "delete the snapshot that shares it (subvolume id \(root); its path: btrfs subvolume list -s \(mount)): \(deleteSnapshot); \(ownSubvolume)"
        case .sharedLeaf:
            return "delete the snapshots of this subvolume (btrfs subvolume list -s \(mount)): \(deleteSnapshot); \(ownSubvolume)"
        case .file(let inode, let root):
            return "remove the reflinked copy (inode \(inode) in subvolume \(root): btrfs inspect-internal inode-resolve \(inode) PATH-OF-SUBVOLUME-\(root) names it), or recreate this file"
        case .sameFile:
            return "recreate the file"
        case .unknown:
            return "delete the snapshots or reflinked copies that share it (btrfs subvolume list -s \(mount); btrfs subvolume delete SNAPSHOT; btrfs subvolume sync \(mount)), or recreate the file where nothing shares it: \(ownSubvolume)"
        }
    }

    // MARK: - The walk over FIEMAP extents (no root: no items, no chunk tree)

    mutating func walkFiemap(isize: UInt64) -> BtrfsOutcome? {
        guard facts.source == .fiemap else {
            return undetermined("the file's btrfs extents could not be read (neither the tree search nor FIEMAP)")
        }
        var position: UInt64 = 0
        for extent in fiemap where extent.logicalEnd > position {
            if position >= isize { break }
            if extent.logical > position {
                return refuseHole("no extent at file bytes \(position)..\(min(extent.logical, isize) - 1) (a hole)")
            }
            if extent.flags.contains(.inline) { return refuseInline() }
            if extent.flags.contains(.encoded) {
                return refuse(
                    .compressed, "swapfile must not be compressed",
                    detail: "the extent at file offset \(extent.logical) is compressed (FIEMAP_EXTENT_ENCODED)")
            }
            if extent.flags.contains(.shared) {
                return refuse(
                    .sharedExtents, "swapfile must not be copy-on-write",
                    detail: "the extent at file offset \(extent.logical) is shared with a snapshot or a reflinked copy (FIEMAP_EXTENT_SHARED)",
                    advice: sharingAdvice(.unknown))
            }
            let stop = min(extent.logicalEnd, isize)
            // FIEMAP on btrfs reports logical addresses in fe_physical.
            let logical = extent.physical + (position - extent.logical)
            if let result = place(logical: logical, length: stop - position, fileOffset: position) { return result }
            position = stop
        }
        if position < isize {
            return refuseHole("no extent at file bytes \(position)..\(isize - 1) (a hole)")
        }
        return nil
    }

    // MARK: - Chunk, profile, device, merge

    /// The chunk-map part of one item: profile, device pin, device address, then the merge
    /// (`bsi.block_start + bsi.block_len == physical_block_start`).
    mutating func place(logical: UInt64, length: UInt64, fileOffset: UInt64) -> BtrfsOutcome? {
        let physical: UInt64
        if btrfs.chunks != nil {
            guard let chunk = btrfs.chunk(containing: logical) else {
                return undetermined("no chunk of the chunk tree holds logical address \(logical) (file offset \(fileOffset))")
            }
            if chunk.profile != 0 {
                let profile = BtrfsLayout.profileName(chunk.profile)
                return refuseProfile(
                    chunk.profile == BtrfsLayout.profileDUP ? .unsupportedFilesystem : .multipleDevices,
                    detail: "the extent at file offset \(fileOffset) lies in a \(profile) data chunk (logical \(chunk.logical), \(chunk.stripes.count) stripes)")
            }
            let devid = chunk.stripes[0].devid
            if let pinned, pinned != devid {
                return refuse(
                    .multipleDevices, "swapfile must be on one device",
                    detail: "the file starts on device \(pinned)\(deviceLabel(pinned)) but the extent at file offset \(fileOffset) is on device \(devid)\(deviceLabel(devid))",
                    advice: "recreate it until all of it lands on one device (btrfs allocates data from the device with the most free space), or use a swap partition")
            }
            pinned = devid
            physical = chunk.stripes[0].offset + (logical - chunk.logical)
        } else {
            // No chunk tree: BTRFS_IOC_SPACE_INFO still tells the data profiles, FS_INFO the device count.
            if let profiles = dataProfiles, !profiles.isEmpty, !profiles.contains(0) {
                let names = profiles.sorted().map(BtrfsLayout.profileName).joined(separator: ", ")
                return refuseProfile(
                    profiles == [BtrfsLayout.profileDUP] ? .unsupportedFilesystem : .multipleDevices,
                    detail: "all data of this file system is stored \(names)")
            }
            if dataProfiles != [0], !profileUndecided, !deviceUndecided {
                profileUndecided = true
                unknownChecks.append("the data profile of the chunk holding file offset \(fileOffset)")
            }
            if btrfs.deviceCount > 1, pinned != nil, !deviceUndecided {
                deviceUndecided = true
                unknownChecks.append("the device holding file offset \(fileOffset) (the file system has \(btrfs.deviceCount) devices)")
            }
            pinned = pinned ?? (btrfs.deviceCount == 1 ? btrfs.devices.first?.devid ?? 1 : 0)
            physical = logical
        }
        accumulator.merge(PhysicalRun(fileOffset: fileOffset, physical: physical, length: length))
        return nil
    }

    func deviceLabel(_ devid: UInt64) -> String {
        btrfs.devicePath(devid).map { " (\($0))" } ?? ""
    }
}
