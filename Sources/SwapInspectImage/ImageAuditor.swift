import Glibc
import SwapInspectCore

/// What `swapinspect image` was asked to look at.
public struct ImageAuditOptions: Sendable {
    public var pageSize: Int
    /// Swap files to audit (`--path`); empty: the fstab's swap entries, else the usual names.
    public var paths: [String]
    public var partition: Int?
    public var offset: UInt64?
    public var scan: Bool

    public init(pageSize: Int, paths: [String] = [], partition: Int? = nil, offset: UInt64? = nil, scan: Bool = false) {
        self.pageSize = pageSize
        self.paths = paths
        self.partition = partition
        self.offset = offset
        self.scan = scan
    }

    /// Where a swap file is looked for when the fstab names none (Debian/Fedora, Ubuntu, systemd docs).
    public static let defaultSwapFiles = ["/swapfile", "/swap.img", "/swap/swapfile"]
}

/// The outcome: one report per swap area found, the reasons some could not be inspected (exit 2),
/// and remarks that are neither (printed on stderr by the command).
public struct ImageAudit: Sendable {
    public var reports: [Report] = []
    public var errors: [ImageError] = []
    public var remarks: [String] = []
}

/// Progress of a long walk (`--scan`): what, done, total.
public typealias ImageProgress = (String, UInt64, UInt64) -> Void

/// Audits the swap areas of an image offline: libblkid for the partition table and signatures,
/// libext2fs (read-only) for swap files; the facts go to the same `Inspector` as the live path.
public enum ImageAuditor {
    public static func audit(image: String, options: ImageAuditOptions, progress: ImageProgress? = nil) -> ImageAudit {
        var run = Run(image: image, options: options, progress: progress)
        run.start()
        return run.audit
    }
}

/// One part of the image that may hold a swap area: a partition, the bytes from `--offset`, or the whole image.
struct ImageArea {
    var partition: ImagePartition?
    var offset: UInt64
    var size: UInt64
    /// Asked for by --partition/--offset, or the whole image: an empty one is an error, not skipped.
    var explicit: Bool
    var signature: ImageSignature?
    var headerBytes: [UInt8] = []
    var headers: [SwapHeader] = []
    var classified = false
    /// The kernel-style name used as the area's path and as the file system's device.
    var name: String

    enum Content: Equatable {
        case ext, swap, empty, firmware
        case other(String)
    }

    var content: Content {
        let type = signature?.type
        if ["ext2", "ext3", "ext4", "ext4dev"].contains(type) { return .ext }
        if type == "swap" || type == "swsuspend" || !headers.isEmpty { return .swap }
        if signature?.ambivalent == true { return .other("several competing signatures") }
        if let type { return .other(type) }
        // blkid verifies the superblock checksum: a damaged ext superblock still has its magic,
        // and libext2fs names the damage precisely.
        if headerBytes.count >= 1082, headerBytes[1080] == 0x53, headerBytes[1081] == 0xEF { return .ext }
        if partition?.isFirmware == true { return .firmware }
        return .empty
    }
}

private struct Run {
    let image: String
    let options: ImageAuditOptions
    let progress: ImageProgress?
    var audit = ImageAudit()
    var file: ImageFile!
    var table: PartitionTable?
    /// Every area of the image (for fstab tags), and which of them were selected.
    var areas: [ImageArea] = []
    var selected: [Int] = []
    /// Reports in image order: (area index, sequence).
    var ordered: [(area: Int, seq: Int, report: Report)] = []
    /// Swap areas to audit, with the fstab entry that named them.
    var swapRequests: [Int: FstabEntry?] = [:]
    /// For --path over several ext file systems: paths found in none of them are errors.
    var pathMisses: [String: [ImageError]] = [:]
    var pathHits: Set<String> = []

    init(image: String, options: ImageAuditOptions, progress: ImageProgress?) {
        self.image = image
        self.options = options
        self.progress = progress
    }

    mutating func start() {
        switch ImageFile.open(image) {
        case .success(let value): file = value
        case .failure(let error):
            audit.errors.append(error)
            return
        }
        if file.size == 0 {
            audit.errors.append(ImageError("\(image): empty image (0 bytes)"))
            return
        }
        switch file.partitionTable() {
        case .success(let value): table = value
        case .failure(let error):
            audit.errors.append(error)
            return
        }
        guard collectAreas() else { return }
        for index in selected { classify(index) }

        for index in selected {
            switch areas[index].content {
            case .ext: auditExt(index)
            case .swap: swapRequests[index] = swapRequests[index] ?? .some(nil)
            case .firmware: break
            case .empty:
                if areas[index].explicit {
                    audit.errors.append(
                        ImageError(
                            "\(areas[index].name): no file system or swap signature found (libblkid): not an image, or a zeroed or corrupt superblock"))
                }
            case .other(let type): notAuditable(index, type: type)
            }
        }
        for (path, misses) in pathMisses.sorted(by: { $0.key < $1.key }) where !pathHits.contains(path) {
            audit.errors += misses
        }
        for (index, entry) in swapRequests.sorted(by: { $0.key < $1.key }) { auditSwapArea(index, entry: entry ?? nil) }
        if areas.allSatisfy({ $0.content != .ext }) && !options.paths.isEmpty {
            audit.errors.append(ImageError("\(image): --path needs an ext2/3/4 file system, and the image holds none"))
        }
        if ordered.isEmpty && audit.errors.isEmpty && audit.remarks.isEmpty {
            let what = table.map { "the \($0.type) partition table's partitions hold" } ?? "the image holds"
            audit.errors.append(ImageError("\(image): nothing to audit: \(what) no ext2/3/4 file system and no swap area"))
        }
        audit.reports = ordered.sorted { ($0.area, $0.seq) < ($1.area, $1.seq) }.map(\.report)
    }

    // MARK: areas

    mutating func collectAreas() -> Bool {
        let partitions = (table?.partitions ?? []).filter { !$0.isExtended }
        for partition in partitions {
            areas.append(
                ImageArea(
                    partition: partition, offset: partition.offset, size: partition.size, explicit: false,
                    name: partitionName(partition.number)))
        }
        if let offset = options.offset {
            guard offset < file.size else {
                audit.errors.append(ImageError("\(image): --offset \(offset) is beyond the end of the image (\(file.size) bytes)"))
                return false
            }
            if let index = areas.firstIndex(where: { $0.offset == offset }) {
                areas[index].explicit = true
                selected = [index]
            } else {
                areas.append(
                    ImageArea(partition: nil, offset: offset, size: file.size - offset, explicit: true, name: "\(image)@\(offset)"))
                selected = [areas.count - 1]
            }
        } else if let number = options.partition {
            guard let table else {
                audit.errors.append(
                    ImageError(
                        "\(image): no partition table found (libblkid), so there is no partition \(number): use it without --partition for a file system image, or --offset"))
                return false
            }
            guard let index = areas.firstIndex(where: { $0.partition?.number == number }) else {
                let numbers = areas.compactMap { $0.partition?.number }.map(String.init).joined(separator: ", ")
                audit.errors.append(
                    ImageError("\(image): no partition \(number): the \(table.type) partition table has partitions \(numbers.isEmpty ? "none" : numbers)"))
                return false
            }
            areas[index].explicit = true
            selected = [index]
        } else if table != nil {
            selected = Array(areas.indices)
        } else {
            areas.append(ImageArea(partition: nil, offset: 0, size: file.size, explicit: true, name: image))
            selected = [0]
        }
        return true
    }

    /// The kernel's name for a partition of a block device (sda2, loop0p2, nvme0n1p2); IMAGE:N for an image file.
    func partitionName(_ number: Int) -> String {
        guard file.isBlockDevice else { return "\(image):\(number)" }
        let separator = image.last?.isNumber == true ? "p" : ""
        return "\(image)\(separator)\(number)"
    }

    mutating func classify(_ index: Int) {
        var area = areas[index]
        guard !area.classified else { return }
        area.classified = true
        if area.offset + area.size > file.size {
            audit.errors.append(
                ImageError(
                    "\(area.name): truncated image: the partition ends at byte \(area.offset + area.size), the image at \(file.size)"))
            area.size = file.size - min(file.size, area.offset)
        }
        area.signature = file.signature(offset: area.offset, size: area.size)
        if case .success(let bytes) = file.read(offset: area.offset, count: Int(min(UInt64(SwapHeaderLayout.probeLength), area.size))) {
            area.headerBytes = bytes
            area.headers = SwapHeaderDetector.detectAll(bytes)
        }
        areas[index] = area
    }

    func location(_ area: ImageArea, type: String?, uuid: String?, label: String?) -> ImageLocation {
        ImageLocation(
            path: image, partition: area.partition?.number, offset: area.offset,
            filesystem: ImageLocation.Filesystem(type: type, uuid: uuid, label: label))
    }

    mutating func append(_ report: Report, area: Int) {
        ordered.append((area, ordered.count, report))
    }

    // MARK: swap areas and other file systems

    mutating func auditSwapArea(_ index: Int, entry: FstabEntry?) {
        classify(index)
        let area = areas[index]
        var facts = AreaFacts(
            path: area.name, kind: .blockDevice, size: area.size, mode: 0o660, headerBytes: area.headerBytes,
            source: .blockDevice, priority: entry?.priority ?? -2)
        if let entry {
            facts.notes.append("named by /etc/fstab line \(entry.line) as \(entry.spec)")
            if entry.noauto { facts.notes.append("fstab marks it noauto: swapon -a skips it") }
        }
        var report = Inspector.inspect(facts, options: InspectOptions(pageSize: options.pageSize))
        // The header Inspector chose: the one at the simulated page size, else the first found.
        let header = report.header
        report.image = location(
            area, type: area.signature?.type ?? (header == nil ? nil : "swap"),
            uuid: area.signature?.uuid ?? header?.uuid, label: area.signature?.label ?? header?.label)
        append(report, area: index)
    }

    mutating func notAuditable(_ index: Int, type: String) {
        let area = areas[index]
        let need: String
        switch type {
        case "LVM2_member":
            need = "activate the volume group (vgchange -ay) and run 'swapinspect inspect' on its swap volume"
        case "crypto_LUKS":
            need = "open it (cryptsetup open) and run 'swapinspect inspect' on the mapped device or on swap files inside it"
        case "linux_raid_member":
            need = "assemble the array (mdadm --assemble) and run 'swapinspect inspect' on it"
        default:
            need = "mount it and run 'swapinspect inspect' on its swap files (online FIEMAP works on every file system the kernel supports)"
        }
        let finding = Finding(
            .unsupportedFilesystem,
            "\(type) cannot be read offline (only ext2/3/4 file systems and swap areas can): \(need)")
        let report = Report.notAuditable(
            path: area.name, size: area.size, finding: finding,
            image: location(area, type: area.signature?.type, uuid: area.signature?.uuid, label: area.signature?.label),
            pageSize: options.pageSize)
        append(report, area: index)
    }

    // MARK: ext2/3/4

    mutating func auditExt(_ index: Int) {
        let area = areas[index]
        let filesystem: ExtFilesystem
        switch ExtFilesystem.open(image: image, offset: area.offset, size: area.size, where_: area.name) {
        case .success(let value): filesystem = value
        case .failure(let error):
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
                    guard case .success(let resolved) = filesystem.resolve(path) else { continue }
                    auditResolved(filesystem, path: path, resolved: resolved, entry: nil, place: place, area: index, audited: &audited)
                }
            }
        }
        if options.scan { scan(filesystem, place: place, area: index, audited: &audited) }
    }

    /// The root file system's /etc/fstab, parsed; nil when there is none. Unparsable lines are errors.
    mutating func readFstab(_ filesystem: ExtFilesystem) -> [FstabEntry]? {
        guard case .success(let resolved) = filesystem.resolve("/etc/fstab"), resolved.inode.isRegular else { return nil }
        let text: [UInt8]
        switch filesystem.read(resolved.inode, count: 1 << 20) {
        case .success(let bytes): text = bytes
        case .failure(let error):
            audit.errors.append(error)
            return nil
        }
        let parsed = FstabParser.parse(String(decoding: text, as: UTF8.self))
        for error in parsed.errors {
            audit.errors.append(ImageError("\(filesystem.where_): /etc/fstab line \(error.line): cannot parse: \(error.reason)"))
        }
        return parsed.entries
    }

    /// The swap file an entry names (to audit in this file system); tags are matched against the
    /// image's areas here, and the rest become remarks, errors or unresolved reports.
    mutating func resolveFstabEntry(_ entry: FstabEntry, area: Int, place: ImageLocation) -> String? {
        let origin = "\(areas[area].name): /etc/fstab line \(entry.line)"
        switch DeviceSpec.parse(entry.spec) {
        case .file(let path):
            return path
        case .tag(let name, let value):
            for index in areas.indices { classify(index) }
            let candidates = areas.indices.map { index in
                let area = areas[index]
                let header = area.headers.first
                return SpecCandidate(
                    index: index, uuid: area.signature?.uuid ?? header?.uuid, label: area.signature?.label ?? header?.label,
                    partUUID: area.partition?.uuid, partLabel: area.partition?.name)
            }
            if let index = DeviceSpecResolver.resolve(name: name, value: value, among: candidates) {
                if selected.contains(index) {
                    // The first line that names it wins (its priority is the one swapon -a uses).
                    if (swapRequests[index] ?? nil) == nil { swapRequests[index] = .some(entry) }
                } else {
                    audit.remarks.append(
                        "\(origin): \(entry.spec) is \(areas[index].name), which was not selected: not audited")
                }
            } else {
                let finding = Finding(
                    .noSignature,
                    "\(origin): no partition or swap area of the image has \(name)=\(value): swapon -a cannot find the device and skips it",
                    fix: "mkswap -U/-L the intended partition, or correct /etc/fstab line \(entry.line)")
                append(.unresolved(path: entry.spec, finding: finding, image: place, pageSize: options.pageSize), area: area)
            }
        case .device(let path):
            audit.remarks.append(
                "\(origin): \(path) is a device name of the machine that mounts the image and cannot be resolved offline; the image's swap partitions are audited on their own")
        case .invalid(let spec):
            audit.errors.append(ImageError("\(origin): cannot parse: '\(spec)' is neither an absolute path nor UUID=, LABEL=, PARTUUID= or PARTLABEL="))
        }
        return nil
    }

    mutating func auditFile(
        _ filesystem: ExtFilesystem, path: String, entry: FstabEntry?, place: ImageLocation, area: Int,
        audited: inout Set<UInt32>
    ) {
        let resolved: ExtFilesystem.ResolvedPath
        switch filesystem.resolve(path) {
        case .success(let value): resolved = value
        case .failure(let error):
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
                ImageError(
                    "\(filesystem.where_): \(path): \(resolved.inode.typeDescription), not a regular file (inside the image): swapon refuses it"))
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
        switch filesystem.read(inode, count: SwapHeaderLayout.probeLength) {
        case .success(let bytes): header = bytes
        case .failure(let error):
            audit.errors.append(ImageError("\(error.description) (\(path))"))
            return
        }
        let extents: [FileExtent]
        switch filesystem.extents(inode) {
        case .success(let value): extents = value
        case .failure(let error):
            audit.errors.append(ImageError("\(error.description) (\(path))"))
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
        let facts = AreaFacts(
            path: path, kind: .file, size: inode.size, mode: inode.mode, uid: inode.uid, gid: inode.gid,
            filesystem: FilesystemFacts(kind: filesystem.kind, blockSize: filesystem.blockSize, device: areas[area].name),
            headerBytes: header, extents: extents, source: .ext2fs, priority: priority ?? -2,
            allocatedBytes: filesystem.allocatedBytes(inode), notes: notes)
        var report = Inspector.inspect(facts, options: InspectOptions(pageSize: options.pageSize))
        report.image = place
        append(report, area: area)
    }

    // MARK: --scan

    mutating func scan(_ filesystem: ExtFilesystem, place: ImageLocation, area: Int, audited: inout Set<UInt32>) {
        let smallest = UInt64(SwapHeaderLayout.candidatePageSizes.min() ?? 4096)
        let progress = self.progress
        let name = areas[area].name
        let candidates: [ExtFilesystem.Inode]
        switch filesystem.scanRegularFiles(
            minimumSize: smallest, progress: progress.map { report in { done, total in report("scanning \(name)", done, total) } })
        {
        case .success(let value): candidates = value
        case .failure(let error):
            audit.errors.append(error)
            return
        }
        var hits: [ExtFilesystem.Inode] = []
        for inode in candidates where !audited.contains(inode.number) {
            if carriesSignature(filesystem, inode) { hits.append(inode) }
        }
        guard !hits.isEmpty else { return }
        let names = filesystem.paths(for: Set(hits.map(\.number)))
        for inode in hits {
            audited.insert(inode.number)
            let path = names[inode.number] ?? "<inode \(inode.number)>"
            var notes = ["found by --scan: its first page carries a swap or hibernation signature"]
            if names[inode.number] == nil { notes.append("no directory entry names inode \(inode.number)") }
            auditInode(filesystem, inode: inode, path: path, priority: nil, notes: notes, place: place, area: area)
        }
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
            guard case .success(let bytes) = filesystem.read(inode, count: spot.count, at: UInt64(spot.offset)) else { return false }
            sparse.replaceSubrange(spot.offset..<(spot.offset + bytes.count), with: bytes)
        }
        return !SwapHeaderDetector.detectAll(sparse).isEmpty
    }
}
