import SwapInspectCore

/// Audits the swap areas of an image offline: libblkid for the partition table and signatures,
/// libext2fs (read-only) for swap files; the facts go to the same `Inspector` as the live path.
public enum ImageAuditor {
    public static func audit(image: String, options: ImageAuditOptions, progress: ImageProgress? = nil) -> ImageAudit {
        var run = ImageAuditRun(image: image, options: options, progress: progress)
        run.start()
        run.closeContainer()
        return run.audit
    }
}

/// One audit of one image: its areas, what was selected, and the reports and errors so far.
struct ImageAuditRun {
    let image: String
    let options: ImageAuditOptions
    let progress: ImageProgress?
    var audit = ImageAudit()
    var file: ImageFile!
    /// The path libext2fs and xfs_db read: the image, or its qemu export (ContainerOpen.swift).
    var source: String
    var container = ContainerInfo(format: .raw)
    var access = ImageAccess.direct
    var export: QemuExport?
    var table: PartitionTable?
    /// Every area of the image (for fstab tags), and which of them were selected.
    var areas: [ImageArea] = []
    var selected: [Int] = []
    /// Reports in image order: (area index, sequence).
    var ordered: [(area: Int, seq: Int, report: Report)] = []
    /// Swap areas to audit, with the fstab entry that named them.
    var swapRequests: [Int: FstabEntry?] = [:]
    /// For --path over several ext file systems: paths found in none of them are errors.
    var pathMisses: [String: [AreaError]] = [:]
    var pathHits: Set<String> = []
    /// Why the /etc/fstab of the ext file system being audited could not be read, as a note for its swap files.
    var fstabProblem: String?

    init(image: String, options: ImageAuditOptions, progress: ImageProgress?) {
        self.image = image
        self.source = image
        self.options = options
        self.progress = progress
    }

    mutating func start() {
        guard openImage(), collectAreas() else { return }
        for index in selected { classify(index) }
        for index in selected { auditArea(index) }
        for (path, misses) in pathMisses.sorted(by: { $0.key < $1.key }) where !pathHits.contains(path) {
            audit.errors += misses
        }
        for (index, entry) in swapRequests.sorted(by: { $0.key < $1.key }) { auditSwapArea(index, entry: entry ?? nil) }
        if areas.allSatisfy({ !$0.content.holdsFiles && !readsFiles($0) && !$0.unreadable }) && !options.paths.isEmpty {
            fail("--path needs an ext2/3/4, XFS or btrfs file system, and the image holds none")
        }
        if ordered.isEmpty && audit.errors.isEmpty && audit.remarks.isEmpty {
            let what = table.map { "the \($0.type) partition table's partitions hold" } ?? "the image holds"
            // Said only of an image that was read without an error.
            let holds =
                areas.contains { $0.content.holdsFiles || readsFiles($0) }
                ? "no swap area, and its file systems no swap file (none in /etc/fstab, none of \(ImageAuditOptions.defaultSwapFiles.joined(separator: ", "))\(options.scan ? ", none found by --scan" : ""))"
                : "no ext2/3/4, XFS or btrfs file system and no swap area"
            audit.errors.append(AreaError(path: image, operation: "nothing to audit", reason: "\(what) \(holds)"))
        }
        audit.reports = ordered.sorted { ($0.area, $0.seq) < ($1.area, $1.seq) }.map(\.report)
    }

    /// Opens the image and reads its partition table; false (with the error recorded) when either fails.
    mutating func openImage() -> Bool {
        do {
            file = try ImageFile.open(image)
            if file.size == 0 {
                fail("empty image (0 bytes)")
                return false
            }
            guard openContainer() else { return false }
            table = try file.partitionTable()
            return true
        } catch {
            audit.errors.append(error)
            return false
        }
    }

    /// What a selected area holds decides how it is audited.
    mutating func auditArea(_ index: Int) {
        guard !areas[index].unreadable else { return }
        if options.allowKernelMount, let type = Self.kernelMountType(areas[index].content) { return auditByKernelMount(index, type: type) }
        switch areas[index].content {
        case .ext: auditExt(index)
        case .swap: swapRequests[index] = swapRequests[index] ?? .some(nil)
        case .firmware: break
        case .empty:
            if areas[index].explicit, areas[index].offset == 0, table == nil,
                let truncated = GptTruncation.problem(size: file.size, read: reader(file))
            {
                fail(truncated.reason)
            } else if areas[index].explicit {
                audit.errors.append(
                    AreaError(
                        path: areas[index].name, operation: "no file system or swap signature found (libblkid)",
                        reason: "not an image, or a zeroed or corrupt superblock"))
            }
        case .other("xfs"): auditXFS(index)
        case .other("btrfs"): auditBtrfs(index)
        case .other(let type): notAuditable(index, type: type)
        }
    }

    /// An error about the image as a whole.
    mutating func fail(_ reason: String) {
        audit.errors.append(AreaError(path: image, operation: "cannot audit", reason: reason))
    }

    func location(_ area: ImageArea, type: String?, uuid: String?, label: String?) -> ImageLocation {
        ImageLocation(
            path: image, partition: area.partition?.number, offset: area.offset,
            filesystem: ImageLocation.Filesystem(type: type, uuid: uuid, label: label),
            format: container.format.rawValue, access: access.rawValue)
    }

    mutating func append(_ report: Report, area: Int) {
        var report = report
        report.findings.moveFixesIntoMessages()
        ordered.append((area, ordered.count, report))
    }
}
