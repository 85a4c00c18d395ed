import Glibc
import SwapInspectCore

/// Swap files inside an XFS file system of the image, read with `xfs_db -r` (XFSDatabase) and fed to
/// the same iomap model as online: the ones --path names, else those of its /etc/fstab, else the
/// usual names.
extension ImageAuditRun {
    mutating func auditXFS(_ index: Int) {
        let area = areas[index]
        var rangeExport: QemuExport?
        defer { rangeExport?.close() }
        let xfs: XFSDatabase
        do {
            // xfs_db takes no offset.
            let device: String
            (device, rangeExport) = try standalone(area)
            xfs = try XFSDatabase.open(device: device, name: area.name)
        } catch {
            audit.errors.append(error)
            return
        }
        let place = location(area, type: "xfs", uuid: xfs.uuid, label: xfs.label)
        var audited: Set<UInt64> = []
        var requests: [(path: String, entry: FstabEntry?, explicit: Bool)] = options.paths.map { ($0, nil, true) }
        if options.paths.isEmpty {
            let entries = readFstab(xfs, area: area)?.filter(\.isSwap) ?? []
            for entry in entries {
                if let path = resolveFstabEntry(entry, area: index, place: place) { requests.append((path, entry, true)) }
            }
            if entries.isEmpty { requests = ImageAuditOptions.defaultSwapFiles.map { ($0, nil, false) } }
        }
        for request in requests {
            let resolved: XFSDatabase.Resolved
            do {
                resolved = try xfs.resolve(request.path)
            } catch {
                guard request.explicit else { continue }
                if request.entry == nil && selected.count > 1 {
                    pathMisses[request.path, default: []].append(error)
                } else {
                    audit.errors.append(error)
                }
                continue
            }
            pathHits.insert(request.path)
            guard resolved.inode.isRegular else {
                audit.errors.append(Self.notRegularFile(AreaError.path(request.path, inside: area.name), resolved.inode.typeDescription))
                continue
            }
            guard audited.insert(resolved.inode.number).inserted else { continue }
            let notes = Self.fileNotes(links: resolved.links, entry: request.entry)
            auditXFSFile(xfs, resolved, priority: request.entry?.priority, notes: notes, place: place, area: index)
        }
        if audited.isEmpty && options.paths.isEmpty, case .dirty = xfs.logState { unreplayedNothing(index, log: "its XFS log") }
    }

    /// A file system as a device of its own, for the tools that take no offset (xfs_db, btrfs-progs):
    /// the image (or its container's export) when the area starts it, else the area exported alone
    /// (qemu's raw driver offset/size).
    func standalone(_ area: ImageArea) throws(AreaError) -> (path: String, export: QemuExport?) {
        guard area.offset != 0 else { return (source, nil) }
        let request = QemuExport.Request(image: source, format: .raw, isBlockDevice: file.isBlockDevice, range: (area.offset, area.size))
        let export = try QemuExport.start(request, name: area.name)
        return (export.path, export)
    }

    mutating func auditXFSFile(
        _ xfs: XFSDatabase, _ resolved: XFSDatabase.Resolved, priority: Int?, notes: [String], place: ImageLocation, area: Int
    ) {
        let inode = resolved.inode
        let extents: [FileExtent]
        let header: [UInt8]
        do {
            extents = try xfsExtents(xfs, resolved)
            header = try readXFS(extents, count: min(SwapHeaderLayout.probeLength, Int(inode.size)), area: areas[area], xfs: xfs, path: resolved.canonical)
        } catch {
            audit.errors.append(error)
            return
        }
        var notes = notes
        notes.append("read offline with xfs_db -r (inode \(inode.number))")
        if inode.realtime {
            notes.append("the file lives on the realtime device, which the image does not hold: its extents are not where swapon would look")
        }
        let kind = FilesystemCatalog.classify(magic: FilesystemMagic.xfs, mountType: "xfs", ext4Driver: false)
        var facts = AreaFacts(
            path: resolved.canonical, kind: .file, size: inode.size, mode: inode.mode, uid: inode.uid, gid: inode.gid,
            filesystem: FilesystemFacts(kind: kind, blockSize: xfs.blockSize, device: areas[area].name),
            headerBytes: header, extents: extents, source: .xfsDb, priority: priority ?? Self.automaticPriority,
            allocatedBytes: inode.blocks * UInt64(xfs.blockSize), notes: notes)
        facts.open = inode.openFacts
        switch xfs.logState {
        case .clean: break
        case .dirty(let message): facts.filesystem?.pendingLog = message
        case .unknown(let why): facts.notes.append(why)
        }
        var report = Inspector.inspect(facts, options: InspectOptions(pageSize: options.pageSize))
        report.image = place
        append(report, area: area)
    }

    /// The data fork as FIEMAP would give it: bytes, physical offsets inside the file system, unwritten
    /// state, and for a reflink inode the parts the refcount btree says are shared (split out, as
    /// xfs_reflink_trim_around_shared does for iomap).
    func xfsExtents(_ xfs: XFSDatabase, _ resolved: XFSDatabase.Resolved) throws(AreaError) -> [FileExtent] {
        let mappings = try xfs.mappings(resolved.canonical, asked: resolved.canonical)
        let shared = resolved.inode.reflink ? try xfs.sharedRanges() : [:]
        let size = UInt64(xfs.blockSize)
        var extents: [FileExtent] = []
        for mapping in mappings {
            let base: ExtentFlags = mapping.unwritten ? .unwritten : []
            var pieces = [(start: mapping.agBlock, end: mapping.agBlock + mapping.blocks, shared: false)]
            for range in shared[mapping.ag] ?? [] {
                pieces = pieces.flatMap { piece -> [(start: UInt64, end: UInt64, shared: Bool)] in
                    let low = max(piece.start, range.lowerBound)
                    let high = min(piece.end, range.upperBound)
                    guard !piece.shared, low < high else { return [piece] }
                    return [(piece.start, low, false), (low, high, true), (high, piece.end, false)].filter { $0.start < $0.end }
                }
            }
            for piece in pieces {
                let logical = (mapping.logicalBlock + piece.start - mapping.agBlock) * size
                extents.append(
                    FileExtent(
                        logical: logical, physical: xfs.byteOffset(ag: mapping.ag, block: piece.start),
                        length: (piece.end - piece.start) * size, flags: piece.shared ? base.union(.shared) : base))
            }
        }
        return extents
    }

    /// The first `count` bytes of a file through its extents (unwritten and unmapped parts read as
    /// zeroes, as the kernel returns them), from the image area holding the file system.
    func readXFS(_ extents: [FileExtent], count: Int, area: ImageArea, xfs: XFSDatabase, path: String) throws(AreaError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(0, count))
        for extent in extents where extent.logical < UInt64(count) && !extent.flags.contains(.unwritten) {
            let length = Int(min(extent.length, UInt64(count) - extent.logical))
            let data = try file.read(offset: area.offset + extent.physical, count: length)
            bytes.replaceSubrange(Int(extent.logical)..<(Int(extent.logical) + data.count), with: data)
        }
        return bytes
    }

    /// The XFS root's /etc/fstab, parsed; nil when there is none.
    mutating func readFstab(_ xfs: XFSDatabase, area: ImageArea) -> [FstabEntry]? {
        guard let resolved = try? xfs.resolve(Self.fstab), resolved.inode.isRegular else { return nil }
        let text: [UInt8]
        do {
            let extents = try xfsExtents(xfs, resolved)
            text = try readXFS(extents, count: Int(min(resolved.inode.size, UInt64(Self.fstabLimit))), area: area, xfs: xfs, path: Self.fstab)
        } catch {
            audit.errors.append(error)
            return nil
        }
        return parsedFstab(text, size: resolved.inode.size, name: AreaError.path(Self.fstab, inside: area.name))
    }
}
