internal import CExt2fs
import SwapInspectCore

/// Swap files inside an ext2/3/4 file system of the image: the ones --path names, else those of its
/// /etc/fstab, else the usual names; each read through libext2fs and inspected as a swap file.
extension ImageAuditRun {
    mutating func auditExt(_ index: Int) {
        let area = areas[index]
        // e2fsck reads the file system while swapinspect does (its verdict is collected by the first
        // swap file found); stopped when none needs it.
        let fsck = options.fsck ? FsckRun.start(image: source, offset: area.offset) : nil
        defer { fsck?.cancel() }
        let filesystem: ExtFilesystem
        do {
            filesystem = try ExtFilesystem.open(image: source, offset: area.offset, size: area.size, name: area.name)
        } catch {
            audit.errors.append(error)
            return
        }
        filesystem.fsck = fsck
        // Without its root nothing in it can be looked up: one error says so, not one per name.
        if let problem = filesystem.rootProblem() {
            let operation = filesystem.superblockChecksumBad ? "not a readable ext2/3/4 file system" : "cannot audit the \(filesystem.type) file system"
            let sb = filesystem.superblockChecksumBad ? "\(ExtFilesystem.message(EXT2_ET_SB_CSUM_INVALID)), and " : ""
            audit.errors.append(AreaError(path: area.name, operation: operation, reason: sb + problem.message))
            return
        }
        fstabProblem = nil
        let place = location(area, type: filesystem.type.name, uuid: filesystem.uuid, label: filesystem.label)
        var audited: Set<UInt32> = []
        if !options.paths.isEmpty {
            for path in options.paths {
                auditFile(filesystem, path: path, entry: nil, place: place, area: index, audited: &audited)
            }
        } else {
            let swapEntries = readFstab(filesystem)?.filter(\.isSwap) ?? []
            // In fstab order, so reports follow the lines that name them.
            for entry in swapEntries {
                if let path = resolveFstabEntry(entry, area: index, place: place) {
                    auditFile(filesystem, path: path, entry: entry, place: place, area: index, audited: &audited)
                }
            }
            if swapEntries.isEmpty {
                // Only the names that exist; each is resolved once.
                for path in ImageAuditOptions.defaultSwapFiles {
                    let resolved: ExtFilesystem.ResolvedPath
                    do {
                        resolved = try filesystem.resolve(path)
                    } catch {
                        // A name that is not there is no finding; one that cannot be looked up is an error.
                        if !ExtFilesystem.isNotFound(error) { audit.errors.append(error) }
                        continue
                    }
                    auditResolved(filesystem, path: path, resolved: resolved, entry: nil, place: place, area: index, audited: &audited)
                }
            }
        }
        if options.scan { scan(filesystem, place: place, area: index, audited: &audited) }
        if audited.isEmpty && options.paths.isEmpty && filesystem.needsRecovery { unreplayedNothing(index, log: "its journal (needs_recovery)") }
    }

    /// No swap file in a file system whose journal or log is still to be replayed: one made shortly
    /// before the image was last used may be only in the log, so "nothing to audit" would be a guess.
    mutating func unreplayedNothing(_ index: Int, log: String) {
        audit.errors.append(
            AreaError(
                path: areas[index].name, operation: "cannot audit",
                reason: "no swap file is there as written, but \(log) needs recovery: one made shortly before the image was last used may be only in the log, which the kernel replays at mount (mount the file system once, and audit again)"))
    }

    mutating func auditFile(
        _ filesystem: ExtFilesystem, path: String, entry: FstabEntry?, place: ImageLocation, area: Int,
        audited: inout Set<UInt32>
    ) {
        let resolved: ExtFilesystem.ResolvedPath
        do {
            resolved = try filesystem.resolve(path)
        } catch {
            if error.isKernelCorruption {
                // swapon's own lookup of the name fails on the same metadata.
                pathHits.insert(path)
                let notes = entry.map { ["named by /etc/fstab line \($0.line)"] } ?? []
                refuseCorrupt(filesystem, path: path, inode: nil, error: error, priority: entry?.priority, notes: notes, place: place, area: area)
                return
            }
            if entry == nil && options.paths.contains(path) && selected.count > 1 {
                pathMisses[path, default: []].append(error)
            } else {
                audit.errors.append(error)
            }
            return
        }
        pathHits.insert(path)
        auditResolved(filesystem, path: path, resolved: resolved, entry: entry, place: place, area: area, audited: &audited)
    }

    mutating func auditResolved(
        _ filesystem: ExtFilesystem, path: String, resolved: ExtFilesystem.ResolvedPath, entry: FstabEntry?,
        place: ImageLocation, area: Int, audited: inout Set<UInt32>
    ) {
        guard resolved.inode.isRegular else {
            audit.errors.append(Self.notRegularFile(filesystem.name(of: path), resolved.inode.typeDescription))
            return
        }
        guard audited.insert(resolved.inode.number).inserted else { return }
        let notes = Self.fileNotes(links: resolved.links, entry: entry)
        auditInode(
            filesystem, inode: resolved.inode, path: resolved.canonical, priority: entry?.priority, notes: notes, place: place, area: area,
            checkHibernation: entry != nil)
    }

    mutating func auditInode(
        _ filesystem: ExtFilesystem, inode: ExtFilesystem.Inode, path: String, priority: Int?, notes: [String],
        place: ImageLocation, area: Int, checkHibernation: Bool = false
    ) {
        let header: [UInt8]
        let extents: [FileExtent]
        do {
            header = try filesystem.read(inode, path: path, count: SwapHeaderLayout.probeLength)
            extents = try filesystem.extents(inode, path: path)
        } catch {
            if error.isKernelCorruption {
                refuseCorrupt(filesystem, path: path, inode: inode, error: error, priority: priority, notes: notes, place: place, area: area)
            } else {
                audit.errors.append(error)
            }
            return
        }
        let verdict = verdict(for: filesystem, area: area)
        if let unreadable = verdict.unreadable {
            // Once for the file system, however many swap files it holds.
            if !audit.errors.contains(unreadable) { audit.errors.append(unreadable) }
            return
        }
        var notes = notes + verdict.notes
        if let fstabProblem { notes.append(fstabProblem) }
        if filesystem.type.isOlderExtFormat {
            notes.append(
                "\(filesystem.type) is predicted as the ext4 driver mounts it (iomap, CONFIG_EXT4_USE_FOR_EXT2); the standalone ext2 driver uses the generic bmap model")
        }
        var facts = AreaFacts(
            path: path, kind: .file, size: inode.size, mode: inode.mode, uid: inode.uid, gid: inode.gid,
            filesystem: FilesystemFacts(kind: filesystem.kind, blockSize: filesystem.blockSize, device: areas[area].name),
            headerBytes: header, extents: extents, source: .ext2fs, priority: priority ?? Self.automaticPriority,
            allocatedBytes: filesystem.allocatedBytes(inode), notes: notes)
        facts.open = inode.openFacts
        facts.filesystem?.damage = verdict.damage
        if filesystem.needsRecovery {
            facts.filesystem?.pendingLog =
                "the journal needs recovery (needs_recovery): the kernel replays it when it mounts \(areas[area].name), before swapon, and what it replays may change this file's inode and extents; this verdict is that of the metadata as written (mount the file system once, or run e2fsck, and audit again)"
        }
        facts.open.filesystemError =
            verdict.refusal ?? deletedRefusal(inode, path: path, area: area) ?? overlapRefusal(filesystem, extents: extents, path: path, area: area)
        var report = Inspector.inspect(facts, options: InspectOptions(pageSize: options.pageSize))
        report.image = place
        if checkHibernation { attachHibernation(&report, filesystem: filesystem, uuid: filesystem.uuid, device: areas[area].name) }
        append(report, area: area)
    }

    /// A name that points at a deleted inode (no links): ext4_iget fails the lookup with ESTALE.
    func deletedRefusal(_ inode: ExtFilesystem.Inode, path: String, area: Int) -> FilesystemError? {
        guard inode.raw.i_links_count == 0 else { return nil }
        return FilesystemError(
            errno: .staleFileHandle,
            message: "\(path) names inode \(inode.number), which has no links (deleted): the kernel's lookup fails with ESTALE (ext4_iget: deleted inode referenced); repair the unmounted image with \(repairCommand(area))")
    }

    /// A swap file block inside the file system's metadata: `check_block_validity` fails the mapping
    /// with EFSCORRUPTED when swapon's iomap asks for it.
    func overlapRefusal(_ filesystem: ExtFilesystem, extents: [FileExtent], path: String, area: Int) -> FilesystemError? {
        guard let overlap = filesystem.metadataOverlap(extents) else { return nil }
        return FilesystemError(
            errno: .structureNeedsCleaning,
            message: "\(overlap): the kernel's block validity check (check_block_validity, ext4_inode_block_valid) fails the mapping of \(path) with EFSCORRUPTED; repair the unmounted image with \(repairCommand(area))")
    }
}
