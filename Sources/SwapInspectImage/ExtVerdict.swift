import SwapInspectCore

/// What the kernel's mount and `e2fsck -fn` say about one ext file system of the image, for the swap
/// files in it: a refusal when the kernel would not mount it read-write, the damage e2fsck finds in
/// one it mounts, and notes on what could not be checked.
struct ExtVerdict {
    /// The image could not be read (EIO): the audit of its swap files fails instead (exit 2).
    var unreadable: AreaError?
    var refusal: FilesystemError?
    var damage: String?
    var notes: [String] = []
}

extension ImageAuditRun {
    /// The command that repairs the file system of `area`, on the unmounted image (not a fix: it writes).
    /// A container image (qcow2, VMDK, …) is repaired through a raw view of it: e2fsck reads raw bytes only.
    func repairCommand(_ area: Int) -> String {
        let command = "e2fsck -f \(ShellQuote.quote(FsckRun.device(image: image, offset: areas[area].offset)))"
        return source == image ? command : "\(command) on a raw copy or a qemu-nbd export of it (e2fsck reads raw images only)"
    }

    /// The verdict on `filesystem`, worked out once (the first swap file in it asks for it).
    func verdict(for filesystem: ExtFilesystem, area: Int) -> ExtVerdict {
        if let known = filesystem.verdict { return known }
        let check = filesystem.mountCheck()
        let fsck: FsckRun.Verdict =
            if !options.fsck { .skipped("--no-fsck") } else { (filesystem.fsck ?? FsckRun.start(image: source, offset: areas[area].offset)).finish() }
        var verdict = ExtVerdict(unreadable: check.unreadable)
        let repair = "repair the unmounted image with \(repairCommand(area))"
        var fsckSays = ""
        switch fsck {
        case .clean: fsckSays = "e2fsck -fn finds no errors"
        case .errors(let lines): fsckSays = "e2fsck -fn: \(lines.joined(separator: "; "))"
        case .failed(let message): verdict.notes.append("e2fsck -fn could not check \(filesystem.name): \(message)")
        case .timedOut(let seconds):
            verdict.notes.append("e2fsck -fn did not finish within \(seconds) s and was stopped: its verdict on \(filesystem.name) is unknown")
        case .skipped(let why): if options.fsck { verdict.notes.append("e2fsck -fn was not run: \(why)") }
        }
        if let first = check.problems.first(where: { !$0.readOnly }) ?? check.problems.first {
            let readOnly = check.problems.allSatisfy(\.readOnly)
            let how = readOnly ? "would mount \(filesystem.name) only read-only" : "would not mount \(filesystem.name)"
            var message = "the kernel \(how): " + check.problems.map(\.message).joined(separator: "; ")
            if !fsckSays.isEmpty { message += "; \(fsckSays)" }
            // e2fsck cannot take away a feature it does not know: only the other problems get its command.
            let advice = readOnly ? "only a kernel that supports the feature mounts it read-write" : repair
            verdict.refusal = FilesystemError(errno: first.errno, readOnly: readOnly, message: "\(message); \(advice)")
        } else if case .errors = fsck, filesystem.needsRecovery {
            // e2fsck -n skips journal recovery: what it finds is the metadata before the replay (free
            // counts and bitmaps the journal brings up to date), not damage of what the kernel mounts.
            verdict.notes.append(
                "\(fsckSays) — but e2fsck -n skips journal recovery, so this is the state before the kernel replays the journal, not damage of what it mounts")
        } else if case .errors = fsck {
            verdict.damage =
                "\(fsckSays): the kernel still mounts \(filesystem.name) read-write, but swap written into a damaged file system can destroy data of the files that share its blocks; \(repair) before the image boots"
        } else if check.markedWithErrors {
            verdict.notes.append("the superblock marks \(filesystem.name) as having errors: the kernel mounts it with a warning; \(repair)")
        }
        filesystem.verdict = verdict
        return verdict
    }

    /// A swap file the kernel cannot get to because its own metadata (its inode, its extent tree, a
    /// directory on its path) fails a check the kernel makes too: refused with that errno.
    mutating func refuseCorrupt(
        _ filesystem: ExtFilesystem, path: String, inode: ExtFilesystem.Inode?, error: AreaError, priority: Int?,
        notes: [String], place: ImageLocation, area: Int
    ) {
        let errno = error.errno ?? .structureNeedsCleaning
        let check = errno == .badMessage ? "a checksum the kernel verifies as well (EFSBADCRC)" : "a check the kernel makes as well (EFSCORRUPTED)"
        let message =
            "\(error.operation): \(error.reason) (libext2fs): \(check), so swapon cannot open or map \(path); repair the unmounted image with \(repairCommand(area))"
        var facts = AreaFacts(
            path: path, kind: .file, size: inode?.size ?? 0, mode: inode?.mode ?? 0, uid: inode?.uid ?? 0, gid: inode?.gid ?? 0,
            filesystem: FilesystemFacts(kind: filesystem.kind, blockSize: filesystem.blockSize, device: areas[area].name),
            headerBytes: [], extents: [], source: .ext2fs, priority: priority ?? Self.automaticPriority, notes: notes)
        facts.open.filesystemError = FilesystemError(errno: errno, message: message)
        var report = Inspector.inspect(facts, options: InspectOptions(pageSize: options.pageSize))
        report.image = place
        append(report, area: area)
    }
}
