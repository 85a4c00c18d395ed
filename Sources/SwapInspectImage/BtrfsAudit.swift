import SwapInspectCore

/// Swap files inside a btrfs file system of the image, read with `btrfs inspect-internal dump-tree`
/// (BtrfsOffline) and fed to the same btrfs model as online: the ones --path names, else those of its
/// /etc/fstab, else the usual names. Paths are looked up in the subvolume the booted system mounts
/// there (the fstab's btrfs lines, subvol= and subvolid=), else in the default subvolume.
extension ImageAuditRun {
    typealias BtrfsMounts = [(point: String, subvolume: UInt64)]

    mutating func auditBtrfs(_ index: Int) {
        let area = areas[index]
        var rangeExport: QemuExport?
        defer { rangeExport?.close() }
        let btrfs: BtrfsOffline
        do {
            // dump-tree takes no offset.
            let device: String
            (device, rangeExport) = try standalone(area)
            let image = file!
            let base = area.offset
            btrfs = BtrfsOffline(progs: try BtrfsProgs.locate(device: device, name: area.name)) { (offset, count) throws(AreaError) in
                try image.read(offset: base + offset, count: count)
            }
            btrfs.areaBytes = area.size
            let paths = options.paths + ImageAuditOptions.defaultSwapFiles + [Self.fstab]
            btrfs.seedNames = Set(paths.flatMap { $0.split(separator: "/").map(String.init) })
            try btrfs.open()
            if let reason = btrfs.unsoundness {
                notAuditableBtrfs(index, btrfs: btrfs, reason: reason)
                return
            }
            try btrfs.readTrees()
        } catch {
            audit.errors.append(error)
            return
        }
        let place = location(area, type: "btrfs", uuid: btrfs.fsid ?? area.signature?.uuid, label: btrfs.label ?? area.signature?.label)
        let (entries, mounts, fstabNotes) = btrfsNamespace(btrfs, index: index)
        for request in btrfsRequests(entries, index: index, place: place) {
            auditBtrfsRequest(btrfs, request, mounts: mounts, notes: fstabNotes, place: place, area: index)
        }
    }

    typealias BtrfsRequest = (path: String, entry: FstabEntry?, explicit: Bool)

    /// A btrfs whose trees on the image cannot give the kernel's answer: said plainly, with the ways to a verdict.
    mutating func notAuditableBtrfs(_ index: Int, btrfs: BtrfsOffline, reason: String) {
        let area = areas[index]
        let finding = Finding(.unsupportedFilesystem, "\(reason); \(Self.notAuditableMessage("btrfs"))")
        let report = Report.notAuditable(
            path: area.name, size: area.size, finding: finding,
            image: location(area, type: "btrfs", uuid: btrfs.fsid ?? area.signature?.uuid, label: btrfs.label ?? area.signature?.label),
            pageSize: options.pageSize)
        append(report, area: index)
    }

    /// --path, else the fstab's swap lines, else the usual names.
    mutating func btrfsRequests(_ entries: [FstabEntry]?, index: Int, place: ImageLocation) -> [BtrfsRequest] {
        var requests: [BtrfsRequest] = options.paths.map { ($0, nil, true) }
        guard options.paths.isEmpty else { return requests }
        let swaps = entries?.filter(\.isSwap) ?? []
        for entry in swaps {
            if let path = resolveFstabEntry(entry, area: index, place: place) { requests.append((path, entry, true)) }
        }
        if swaps.isEmpty { requests = ImageAuditOptions.defaultSwapFiles.map { ($0, nil, false) } }
        return requests
    }

    mutating func auditBtrfsRequest(
        _ btrfs: BtrfsOffline, _ request: BtrfsRequest, mounts: BtrfsMounts, notes: [String], place: ImageLocation, area: Int
    ) {
        let name = areas[area].name
        let resolved: BtrfsOffline.Resolved
        do {
            resolved = try btrfs.resolve(request.path, mounts: mounts, asked: request.path)
        } catch {
            guard request.explicit || error.reason != "no such file inside the image" else { return }
            if request.entry == nil && selected.count > 1 && error.reason == "no such file inside the image" {
                pathMisses[request.path, default: []].append(error)
            } else {
                audit.errors.append(error)
            }
            return
        }
        pathHits.insert(request.path)
        guard resolved.inode.isRegular else {
            audit.errors.append(Self.notRegularFile(AreaError.path(request.path, inside: name), resolved.inode.typeDescription))
            return
        }
        let notes = notes + Self.fileNotes(links: resolved.links, entry: request.entry)
        do {
            let facts = try btrfsFileFacts(btrfs, resolved, priority: request.entry?.priority, notes: notes, area: area)
            var report = Inspector.inspect(facts, options: InspectOptions(pageSize: options.pageSize))
            report.image = place
            append(report, area: area)
        } catch {
            audit.errors.append(error)
        }
    }

    /// What the online path gathers with the tree search, from the dump: flags, items, chunk map,
    /// last snapshot, back references; extents as FIEMAP would give them (btrfs logical addresses).
    func btrfsFileFacts(
        _ btrfs: BtrfsOffline, _ resolved: BtrfsOffline.Resolved, priority: Int?, notes: [String], area: Int
    ) throws(AreaError) -> AreaFacts {
        let inode = resolved.inode
        // The header page at the simulated page size must be read; compressed data after it only
        // shortens the probe for larger page sizes.
        let header = try btrfs.read(
            inode, count: SwapHeaderLayout.probeLength, path: AreaError.path(resolved.canonical, inside: areas[area].name),
            required: options.pageSize)
        let items = try btrfs.sharingEvidence(inode)
        var facts = BtrfsFacts(
            noCow: inode.flags & BtrfsLayout.inodeNoDataCow != 0, compress: inode.flags & BtrfsLayout.inodeCompress != 0,
            noDataSum: inode.flags & BtrfsLayout.inodeNoDataSum != 0, inode: inode.number, subvolume: inode.subvolume,
            sectorSize: btrfs.sectorSize, deviceCount: btrfs.deviceCount,
            devices: btrfs.devids.map { BtrfsDevice(devid: $0, path: areas[area].name) },
            lastSnapshot: btrfs.roots[inode.subvolume]?.lastSnapshot, items: items, chunks: btrfs.chunks)
        facts.kernelDeviceName = nil
        var notes = notes
        notes.append("read offline with btrfs inspect-internal dump-tree (inode \(inode.number) in subvolume \(inode.subvolume))")
        if header.count < min(SwapHeaderLayout.probeLength, Int(min(inode.size, UInt64(Int.max)))) {
            notes.append("the file's data from byte \(header.count) on is compressed and not read offline: swap headers of pages larger than \(header.count) bytes are not looked for")
        }
        if !btrfs.recoveredBlocks.isEmpty {
            let blocks = btrfs.recoveredBlocks.sorted().map(String.init).joined(separator: ", ")
            notes.append(
                "tree block\(btrfs.recoveredBlocks.count == 1 ? "" : "s") \(blocks) fail\(btrfs.recoveredBlocks.count == 1 ? "s" : "") the checksum in a copy and \(btrfs.recoveredBlocks.count == 1 ? "was" : "were") read from another, as the kernel reads it (btrfs check --repair, or a scrub of the mounted file system, rewrites the bad copy)")
        }
        for (index, item) in items.enumerated() {
            if case .unknown(let why) = item.treeSharing, index == items.firstIndex(where: { $0.treeSharing == item.treeSharing }) {
                notes.append("whether the extent at file offset \(item.fileOffset) is shared through the tree is unknown: \(why)")
            }
        }
        let kind = FilesystemCatalog.classify(magic: FilesystemMagic.btrfs, mountType: "btrfs", ext4Driver: false)
        var areaFacts = AreaFacts(
            path: resolved.canonical, kind: .file, size: inode.size, mode: inode.mode, uid: inode.uid, gid: inode.gid,
            filesystem: FilesystemFacts(kind: kind, blockSize: btrfs.sectorSize, device: areas[area].name),
            headerBytes: header, extents: Self.fiemapView(items), source: .dumpTree, priority: priority ?? Self.automaticPriority,
            allocatedBytes: inode.nbytes, notes: notes)
        areaFacts.btrfs = facts
        // BTRFS_INODE_IMMUTABLE and BTRFS_INODE_APPEND.
        areaFacts.open = OpenFacts(immutable: inode.flags & (1 << 6) != 0, appendOnly: inode.flags & (1 << 7) != 0)
        return areaFacts
    }

    /// The items as btrfs's FIEMAP reports them: file offset, logical address, flags.
    static func fiemapView(_ items: [BtrfsFileExtentItem]) -> [FileExtent] {
        items.compactMap { item in
            guard item.type == .inline || item.diskBytenr != 0 else { return nil }
            var flags: ExtentFlags = item.type == .prealloc ? .unwritten : []
            if item.type == .inline { flags.formUnion([.inline, .notAligned]) }
            if item.compression != 0 { flags.insert(.encoded) }
            let length = item.type == .inline ? item.ramBytes : item.numBytes
            return FileExtent(logical: item.fileOffset, physical: item.type == .inline ? 0 : item.diskBytenr + item.offset, length: length, flags: flags)
        }
    }
}

extension ImageArea.Content {
    /// A file system whose swap files are audited offline (libext2fs, xfs_db, dump-tree).
    var holdsFiles: Bool { self == .ext || self == .other("xfs") || self == .other("btrfs") }
}
