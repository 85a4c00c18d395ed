import SwapInspectCore

/// `--scan`: every regular file of an ext file system whose first page carries a swap or hibernation
/// signature, found from the inode table, not from names.
extension ImageAuditRun {
    mutating func scan(_ filesystem: ExtFilesystem, place: ImageLocation, area: Int, audited: inout Set<UInt32>) {
        let smallest = UInt64(SwapHeaderLayout.candidatePageSizes.min()!)
        let progress = self.progress
        let name = areas[area].name
        let candidates: [ExtFilesystem.Inode]
        var statistics = ScanStatistics(filesystem: name)
        var bad: [AreaError] = []
        do {
            candidates = try filesystem.scanRegularFiles(
                minimumSize: smallest, statistics: &statistics, bad: &bad,
                progress: progress.map { report in { done, total in report("scanning \(name)", done, total) } })
        } catch {
            audit.errors.append(error)
            return
        }
        audit.scanStatistics.append(statistics)
        audit.errors += bad.prefix(ExtFilesystem.badInodesListed)
        if bad.count > ExtFilesystem.badInodesListed {
            audit.errors.append(
                AreaError(
                    path: name, operation: "--scan", reason: "\(bad.count - ExtFilesystem.badInodesListed) more inodes could not be read"))
        }
        var hits: [ExtFilesystem.Inode] = []
        for inode in candidates where !audited.contains(inode.number) {
            if carriesSignature(filesystem, inode) { hits.append(inode) }
        }
        guard !hits.isEmpty else { return }
        let names = filesystem.paths(for: Set(hits.map(\.number)))
        for inode in hits {
            audited.insert(inode.number)
            guard let path = names[inode.number] else {
                unnamed(inode, in: filesystem, place: place, area: area)
                continue
            }
            let notes = ["found by --scan: its first page carries a swap or hibernation signature"]
            auditInode(filesystem, inode: inode, path: path, priority: nil, notes: notes, place: place, area: area)
        }
    }

    /// An inode with a signature that no directory entry names: swapon(2) takes a path, and there is none.
    mutating func unnamed(_ inode: ExtFilesystem.Inode, in filesystem: ExtFilesystem, place: ImageLocation, area: Int) {
        let finding = Finding(
            .unnamedInode,
            "inode \(inode.number) holds a swap or hibernation signature but has no name: swapon has no path to open; e2fsck would move it to lost+found (repair the unmounted image with \(repairCommand(area)))")
        let placeholder = "inode \(inode.number) of \(filesystem.name), \(inode.size) bytes, without a directory entry"
        append(
            .unresolved(path: "<inode \(inode.number)>", finding: finding, image: place, pageSize: options.pageSize, placeholder: placeholder),
            area: area)
    }

    /// Reads only the bytes a signature can occupy (the last 10 of each candidate page, and TuxOnIce's
    /// 8 at byte 0), so a scan costs a few blocks per file, not 64 KiB.
    func carriesSignature(_ filesystem: ExtFilesystem, _ inode: ExtFilesystem.Inode) -> Bool {
        var sparse = [UInt8](repeating: 0, count: Int(min(UInt64(SwapHeaderLayout.probeLength), inode.size)))
        var spots = [(offset: 0, count: SwapHeaderLayout.tuxOnIceMagic.count)]
        for pageSize in SwapHeaderLayout.candidatePageSizes where pageSize <= sparse.count {
            spots.append((pageSize - SwapHeaderLayout.magicLength, SwapHeaderLayout.magicLength))
        }
        for spot in spots {
            guard let bytes = try? filesystem.read(inode, path: nil, count: spot.count, at: UInt64(spot.offset)) else { return false }
            sparse.replaceSubrange(spot.offset..<(spot.offset + bytes.count), with: bytes)
        }
        return !SwapHeaderDetector.detectAll(sparse).isEmpty
    }
}
