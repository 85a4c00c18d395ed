import SwapInspectCore

/// Swap files inside an ext2/3/4 file system of the image: the ones --path names, else those of its
/// /etc/fstab, else the usual names; each read through libext2fs and inspected as a swap file.
extension ImageAuditRun {
    mutating func auditExt(_ index: Int) {
        let area = areas[index]
        let filesystem: ExtFilesystem
        do {
            filesystem = try ExtFilesystem.open(image: source, offset: area.offset, size: area.size, name: area.name)
        } catch {
            audit.errors.append(error)
            return
        }
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
                    guard let resolved = try? filesystem.resolve(path) else { continue }
                    auditResolved(filesystem, path: path, resolved: resolved, entry: nil, place: place, area: index, audited: &audited)
                }
            }
        }
        if options.scan { scan(filesystem, place: place, area: index, audited: &audited) }
    }

    mutating func auditFile(
        _ filesystem: ExtFilesystem, path: String, entry: FstabEntry?, place: ImageLocation, area: Int,
        audited: inout Set<UInt32>
    ) {
        let resolved: ExtFilesystem.ResolvedPath
        do {
            resolved = try filesystem.resolve(path)
        } catch {
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
            audit.errors.append(
                AreaError(
                    path: filesystem.name(of: path), operation: "cannot audit",
                    reason: "\(resolved.inode.typeDescription), not a regular file (inside the image): swapon refuses it"))
            return
        }
        guard audited.insert(resolved.inode.number).inserted else { return }
        var notes = resolved.links.map { "symbolic link inside the image: \($0)" }
        if let entry {
            notes.append("named by /etc/fstab line \(entry.line)")
            if entry.noauto { notes.append("fstab marks it noauto: swapon -a skips it") }
        }
        auditInode(filesystem, inode: resolved.inode, path: resolved.canonical, priority: entry?.priority, notes: notes, place: place, area: area)
    }

    mutating func auditInode(
        _ filesystem: ExtFilesystem, inode: ExtFilesystem.Inode, path: String, priority: Int?, notes: [String],
        place: ImageLocation, area: Int
    ) {
        let header: [UInt8]
        let extents: [FileExtent]
        do {
            header = try filesystem.read(inode, path: path, count: SwapHeaderLayout.probeLength)
            extents = try filesystem.extents(inode, path: path)
        } catch {
            audit.errors.append(error)
            return
        }
        var notes = notes
        if filesystem.type.isOlderExtFormat {
            notes.append(
                "\(filesystem.type) is predicted as the ext4 driver mounts it (iomap, CONFIG_EXT4_USE_FOR_EXT2); the standalone ext2 driver uses the generic bmap model")
        }
        if filesystem.needsRecovery {
            notes.append("the journal needs recovery: the next mount replays it first, which may change this file's metadata")
        }
        var facts = AreaFacts(
            path: path, kind: .file, size: inode.size, mode: inode.mode, uid: inode.uid, gid: inode.gid,
            filesystem: FilesystemFacts(kind: filesystem.kind, blockSize: filesystem.blockSize, device: areas[area].name),
            headerBytes: header, extents: extents, source: .ext2fs, priority: priority ?? Self.automaticPriority,
            allocatedBytes: filesystem.allocatedBytes(inode), notes: notes)
        facts.open = inode.openFacts
        var report = Inspector.inspect(facts, options: InspectOptions(pageSize: options.pageSize))
        report.image = place
        append(report, area: area)
    }
}
