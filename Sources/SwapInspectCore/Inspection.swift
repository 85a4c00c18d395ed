/// What kind of object the path names.
public enum AreaKind: String, Sendable {
    case file, blockDevice, other
}

/// Where the extent list came from.
public enum ExtentSource: String, Sendable {
    case fiemap, fibmap, ext2fs, blockDevice
}

/// The model the user asked for (`--model`).
public enum ModelChoice: String, Sendable, CaseIterable {
    case auto, generic, iomap, btrfs
}

public struct FilesystemFacts: Sendable, Equatable {
    public var kind: FilesystemKind
    public var blockSize: Int
    public var device: String?

    public init(kind: FilesystemKind, blockSize: Int, device: String?) {
        self.kind = kind
        self.blockSize = blockSize
        self.device = device
    }
}

/// Everything an adapter (ioctls or libext2fs) learns about one swap area; the one input of the core.
public struct AreaFacts: Sendable {
    /// The path as the kernel would print it (util-linux swapon canonicalises it).
    public var path: String
    public var kind: AreaKind
    /// For `.other`: what it is (`fifo`, `directory`, …) and the errno swapon gives.
    public var otherType: String?
    public var otherErrno: String?
    /// i_size of a file, or the size of a block device.
    public var size: UInt64
    public var allocatedBytes: UInt64?
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var filesystem: FilesystemFacts?
    /// The first bytes of the area (up to 64 KiB, fewer for a short file).
    public var headerBytes: [UInt8]
    /// The file's extents in file order, replaced only whole (`setExtents`), so that `extentTally`
    /// always describes them.
    public private(set) var extents: [FileExtent]
    public private(set) var extentTally: ExtentTally
    public var source: ExtentSource
    /// `si->bdev` is non-rotational (the kernel prints `SS`).
    public var nonRotational: Bool
    /// `si->bdev` supports discard (the kernel prints `D…` when discard is asked for).
    public var supportsDiscard: Bool = false
    /// The priority the kernel would give (`Priority:`).
    public var priority: Int
    /// The area's /proc/swaps line when it is active now.
    public var active: ProcSwapsEntry?
    /// Facts that could not be learned (e.g. FIBMAP and unwritten extents); shown as notes.
    public var notes: [String]
    /// A file on btrfs: what `btrfs_swap_activate` looks at (flags, file extent items, chunk map).
    public var btrfs: BtrfsFacts? = nil

    public mutating func setExtents(_ extents: [FileExtent]) {
        setExtents(extents, tally: ExtentTally(extents))
    }

    /// Extents whose tally an adapter of this package gathered while mapping them (no second pass).
    package mutating func setExtents(_ extents: [FileExtent], tally: ExtentTally) {
        assert(tally == ExtentTally(extents), "the tally must describe the extents")
        self.extents = extents
        extentTally = tally
    }

    public init(
        path: String, kind: AreaKind, size: UInt64, mode: UInt32 = 0o600, uid: UInt32 = 0, gid: UInt32 = 0,
        filesystem: FilesystemFacts? = nil, headerBytes: [UInt8], extents: [FileExtent] = [],
        source: ExtentSource = .fiemap, nonRotational: Bool = false, priority: Int = -2,
        active: ProcSwapsEntry? = nil, allocatedBytes: UInt64? = nil, otherType: String? = nil,
        otherErrno: String? = nil, notes: [String] = []
    ) {
        self.path = path
        self.kind = kind
        self.size = size
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.filesystem = filesystem
        self.headerBytes = headerBytes
        self.extents = extents
        self.extentTally = ExtentTally(extents)
        self.source = source
        self.nonRotational = nonRotational
        self.priority = priority
        self.active = active
        self.allocatedBytes = allocatedBytes
        self.otherType = otherType
        self.otherErrno = otherErrno
        self.notes = notes
    }
}

public struct InspectOptions: Sendable {
    public var pageSize: Int
    public var model: ModelChoice
    /// `swapfile_maximum_size` in pages; nil = no limit below u32.
    public var archMaxPages: UInt64?

    public init(pageSize: Int, model: ModelChoice = .auto, archMaxPages: UInt64? = nil) {
        self.pageSize = pageSize
        self.model = model
        self.archMaxPages = archMaxPages
    }
}

/// The result of inspecting one area: rendered as text or JSON by the commands.
public struct Report: Sendable {
    public var facts: AreaFacts
    public var pageSize: Int
    /// Every signature found, at any page size.
    public var signatures: [SwapHeader]
    /// The header at the simulated page size, else the first found at another one.
    public var header: SwapHeader?
    public var activation: Activation?
    /// The kernel log line predicted: the `Adding …` line, or the refusal message (nil where silent).
    public var kernelLog: String?
    /// What a FIEMAP-floor tool (systemd, filefrag recipes) would give as resume_offset.
    public var userspaceResumeOffset: UInt64?
    public var findings: [Finding]
    /// Set when the area could not be judged (exit 2): the reason.
    public var undetermined: String?
    /// Where in an image the area was found (`swapinspect image`); nil for live areas.
    public var image: ImageLocation? = nil

    public var resumeOffset: UInt64? { activation?.resumeOffset }
    public var worstSeverity: Severity? { findings.map(\.severity).max() }

    /// Pages of the area that do not become swap: misaligned pieces, beyond last_page, bad pages.
    public var unusablePages: UInt64? {
        guard let activation, activation.ok else { return nil }
        let areaPages = facts.size / UInt64(pageSize)
        return areaPages - min(areaPages, activation.pages + 1)
    }
}

public enum Inspector {
    public static func inspect(_ facts: AreaFacts, options: InspectOptions) -> Report {
        let pageSize = options.pageSize
        let signatures = SwapHeaderDetector.detectAll(facts.headerBytes)
        var report = Report(
            facts: facts, pageSize: pageSize, signatures: signatures,
            header: signatures.first { $0.pageSize == pageSize } ?? signatures.first,
            activation: nil, kernelLog: nil, userspaceResumeOffset: nil, findings: [], undetermined: nil)
        let path = facts.path

        report.findings += securityFindings(facts)

        if facts.kind == .other {
            let what = facts.otherType ?? "special file"
            let errno = facts.otherErrno ?? "EINVAL"
            let finding = Finding(
                .notRegularFile, "\(what), not a regular file or block device: swapon fails with \(errno)")
            report.findings.append(finding)
            var activation = Activation(model: .generic)
            activation.refusal = Refusal(errno: errno, kernelMessage: nil, finding: finding)
            report.activation = activation
            return report
        }

        // Numbers no file system reports come from corrupt metadata (or a corrupt image): no prediction.
        if facts.kind == .file, facts.size > FileExtent.maxOffset || facts.extentTally.implausible != nil {
            let reason: String
            if let extent = facts.extentTally.implausible {
                reason = "the extent map is corrupt: the extent at file byte \(extent.logical) (\(extent.length) bytes at device byte \(extent.physical)) reaches past the largest offset a file or device has (2^63)"
            } else {
                reason = "the file size \(facts.size) is past the largest offset a file has (2^63): its metadata is corrupt"
            }
            report.undetermined = reason
            return report
        }
        if let reason = facts.btrfs?.implausibility {
            report.undetermined = "the btrfs metadata is corrupt: \(reason)"
            return report
        }

        // The swap path is chosen before the header is read: a file system without one fails first.
        let model: ActivationModel
        if facts.kind == .blockDevice {
            model = .blockDevice
        } else {
            let swapPath = facts.filesystem?.kind.swapPath ?? .unmodelled("unknown file system")
            let fsName = facts.filesystem?.kind.name ?? "unknown"
            switch (swapPath, options.model) {
            case (.refused(let reason), _):
                let finding = Finding(.unsupportedFilesystem, reason, fix: "put the swap file on ext4 or XFS, or use a swap partition")
                report.findings.append(finding)
                var activation = Activation(model: .generic)
                activation.refusal = Refusal(kernelMessage: nil, finding: finding)
                report.activation = activation
                return report
            case (.unmodelled(let reason), _):
                report.findings.append(Finding(.unsupportedFilesystem, "\(fsName): \(reason)"))
                report.undetermined = reason
                return report
            case (.btrfs, .auto), (_, .btrfs):
                guard facts.btrfs != nil else {
                    let reason = swapPath == .btrfs ? btrfsFactsMissing : "the btrfs model applies only to files on btrfs; \(path) is on \(fsName)"
                    report.findings.append(Finding(.unsupportedFilesystem, "\(fsName): \(reason)"))
                    report.undetermined = reason
                    return report
                }
                model = .btrfs
            case (.btrfs, _):
                let reason = "btrfs activates swap files with btrfs_swap_activate; the \(options.model.rawValue) model does not apply (FIEMAP shows btrfs logical addresses, not device addresses)"
                report.findings.append(Finding(.unsupportedFilesystem, "btrfs: \(reason)"))
                report.undetermined = reason
                return report
            case (.iomap, .auto), (_, .iomap): model = .iomap
            case (.generic, .auto), (_, .generic): model = .generic
            }
            // ≥6.12: a mapping with a minimum folio order above 0 (block size > PAGE) fails silently,
            // before the header is read (§1.2 step 11).
            if let blockSize = facts.filesystem?.blockSize, blockSize > pageSize {
                let finding = Finding(
                    .unsupportedFilesystem,
                    "\(fsName) block size \(blockSize) is larger than the \(pageSize)-byte page: the kernel refuses swap files on large-block-size file systems (EINVAL, no message)",
                    fix: "put the swap file on a file system whose block size is at most \(pageSize) bytes")
                report.findings.append(finding)
                var activation = Activation(model: model)
                activation.refusal = Refusal(kernelMessage: nil, finding: finding)
                report.activation = activation
                return report
            }
        }

        // read_swap_header
        if facts.kind == .file && facts.size < UInt64(pageSize) {
            let finding = Finding(
                .tooSmall,
                facts.size == 0
                    ? "the file is empty: the kernel finds no swap signature"
                    : "the file is \(facts.size) bytes, smaller than one \(pageSize)-byte page: the kernel finds no swap signature",
                fix: "create it with a size: fallocate -l 1G \(path); chmod 0600 \(path); mkswap \(path)")
            report.findings.append(finding)
            var activation = Activation(model: model)
            activation.refusal = Refusal(kernelMessage: "Unable to find swap-space signature", finding: finding)
            report.activation = activation
            report.kernelLog = activation.refusal?.kernelMessage
            return report
        }
        let verdict = HeaderValidator.validate(
            detected: signatures, pageSize: pageSize, areaBytes: facts.size, isRegularFile: facts.kind == .file,
            archMaxPages: options.archMaxPages, path: path)
        report.findings += verdict.findings
        let filePages = facts.size / UInt64(pageSize)

        var activation: Activation
        var btrfsResumeOffset: UInt64?
        if let refusal = verdict.refusal {
            activation = Activation(model: model)
            activation.refusal = refusal
            report.findings.append(refusal.finding)
            // The layout's own problems still matter after a fresh mkswap: report them as well.
            if facts.kind == .file, filePages > 0 {
                let layout: Activation?
                if model == .btrfs, let btrfs = facts.btrfs {
                    layout = BtrfsSimulator.activate(facts, btrfs: btrfs, pageSize: pageSize, maxPages: filePages).activation
                } else {
                    layout = simulate(model, facts, pageSize: pageSize, maxPages: filePages)
                }
                if let layoutRefusal = layout?.refusal, layoutRefusal.finding.code != .emptySwap {
                    report.findings.append(layoutRefusal.finding)
                }
                if let finding = layout?.undetermined?.finding { report.findings.append(finding) }
            }
        } else {
            let maxPages = verdict.maxPages ?? 0
            if facts.kind == .blockDevice, let header = verdict.header {
                activation = ActivationSimulator.blockDevice(header: header, maxPages: maxPages, path: path)
            } else if model == .btrfs, let btrfs = facts.btrfs {
                let outcome = BtrfsSimulator.activate(facts, btrfs: btrfs, pageSize: pageSize, maxPages: maxPages)
                report.facts.notes += outcome.notes
                guard let result = outcome.activation else {
                    report.undetermined = outcome.undetermined ?? "the btrfs activation could not be predicted"
                    return report
                }
                activation = result
                btrfsResumeOffset = outcome.mapSwapfileResumeOffset
            } else {
                activation = simulate(model, facts, pageSize: pageSize, maxPages: maxPages)
            }
            if let unknown = activation.undetermined {
                if let finding = unknown.finding { report.findings.append(finding) }
                report.undetermined = unknown.reason
                return report
            }
            if let refusal = activation.refusal {
                report.findings.append(refusal.finding)
            } else {
                report.findings += layoutFindings(facts, activation: activation, header: verdict.header, headerMax: maxPages, pageSize: pageSize)
            }
        }
        report.activation = activation
        report.kernelLog = activation.ok ? addingLine(facts, activation: activation, pageSize: pageSize) : activation.refusal?.kernelMessage

        if activation.ok {
            if facts.kind == .blockDevice {
                report.userspaceResumeOffset = 0
            } else if activation.model == .btrfs {
                // btrfs-progs `inspect-internal map-swapfile -r` and systemd read the first item's disk_bytenr.
                report.userspaceResumeOffset = btrfsResumeOffset
            } else if let first = facts.extents.first, first.logical == 0 {
                report.userspaceResumeOffset = first.physical / UInt64(pageSize)
            }
        }
        if let active = facts.active {
            let predictedKiB = activation.ok ? activation.pages * UInt64(pageSize / 1024) : nil
            let comparison: String
            if let predictedKiB {
                comparison = predictedKiB == active.sizeKiB
                    ? "its size \(active.sizeKiB)k matches the prediction"
                    : "its size \(active.sizeKiB)k differs from the predicted \(predictedKiB)k"
            } else {
                comparison = "the kernel reports \(active.sizeKiB)k although a fresh activation would be refused"
            }
            report.findings.append(
                Finding(.inUse, "active now (priority \(active.priority), \(active.usedKiB)k used): \(comparison)"))
        }
        return report
    }

    static let btrfsFactsMissing =
        "no btrfs facts (inode flags, file extent items, chunk map) were gathered for this file, and FIEMAP alone shows btrfs logical addresses, not device addresses"

    static func simulate(_ model: ActivationModel, _ facts: AreaFacts, pageSize: Int, maxPages: UInt64) -> Activation {
        switch model {
        case .generic:
            let blockSize = min(facts.filesystem?.blockSize ?? pageSize, pageSize)
            return ActivationSimulator.generic(
                extents: facts.extents, fileSize: facts.size, blockSize: blockSize, pageSize: pageSize,
                maxPages: maxPages, path: facts.path)
        case .btrfs:
            if let btrfs = facts.btrfs, let activation = BtrfsSimulator.activate(facts, btrfs: btrfs, pageSize: pageSize, maxPages: maxPages).activation {
                return activation
            }
            var unknown = Activation(model: .btrfs)
            return unknown.fail(
                Refusal(kernelMessage: nil, finding: Finding(.unsupportedFilesystem, "the btrfs activation could not be predicted")))
        case .iomap, .blockDevice:
            // The generic path reads bmap itself, so there FIBMAP's 0 is exactly the kernel's hole; iomap's is not.
            return ActivationSimulator.iomap(
                extents: facts.extents, fileSize: facts.size, pageSize: pageSize, maxPages: maxPages, path: facts.path,
                holesMayBePreallocated: facts.source == .fibmap)
        }
    }

    static func securityFindings(_ facts: AreaFacts) -> [Finding] {
        var findings: [Finding] = []
        guard facts.kind != .other else { return findings }
        // util-linux swapon: files should be 0600 and root's; block devices may be readable by group disk.
        let mask: UInt32 = facts.kind == .blockDevice ? 0o007 : 0o077
        let suggested: UInt32 = facts.kind == .blockDevice ? 0o660 : 0o600
        let permissions = facts.mode & 0o7777
        if permissions & mask != 0 {
            findings.append(
                Finding(
                    .insecurePermissions,
                    "insecure permissions \(octalMode(permissions)), \(octalMode(suggested)) suggested: other users can read swapped-out memory",
                    fix: "chmod \(octalMode(suggested)) \(facts.path)"))
        }
        if facts.kind == .file && facts.uid != 0 {
            findings.append(
                Finding(
                    .insecureOwner, "insecure file owner \(facts.uid), 0 (root) suggested",
                    fix: "chown 0:0 \(facts.path)"))
        }
        return findings
    }

    static func layoutFindings(
        _ facts: AreaFacts, activation: Activation, header: SwapHeader?, headerMax: UInt64, pageSize: Int
    ) -> [Finding] {
        var findings: [Finding] = []
        let page = UInt64(pageSize)
        let kib = page / 1024
        if facts.kind == .file {
            let filePages = facts.size / page
            let reachable = min(filePages, headerMax)
            if activation.maxPages < reachable {
                let lost = reachable - activation.maxPages
                let blockSize = facts.filesystem?.blockSize ?? pageSize
                findings.append(
                    Finding(
                        .misalignedPages,
                        "\(lost) page\(lost == 1 ? "" : "s") (\(lost * kib)k) lost: runs of \(blockSize)-byte blocks that do not start or end on a \(pageSize)-byte page boundary yield only their whole aligned pages",
                        fix: blockSize < pageSize
                            ? "recreate the file on a file system with \(pageSize)-byte blocks, then mkswap \(facts.path)"
                            : "recreate the file in one allocation (fallocate -l SIZE \(facts.path)), then mkswap \(facts.path)"))
                findings.append(
                    Finding(
                        .lastPageBeyondFile,
                        "the header declares \(headerMax) pages but only \(activation.maxPages) are usable: the kernel reports \(activation.pages * kib)k instead of \((headerMax - 1) * kib)k"))
            }
            if filePages > headerMax {
                let wasted = filePages - headerMax
                findings.append(
                    Finding(
                        .fileBeyondLastPage,
                        "the file holds \(filePages) pages but the header uses only \(headerMax): \(wasted * kib)k are never used (the kernel's across: still covers the unused tail)",
                        fix: "mkswap \(facts.path)"))
            }
            // Tallied while the extents were mapped: a fallocated file can have a million unwritten extents.
            let tally = facts.extentTally
            let unwrittenCount = tally.unwrittenCount
            let bytes = tally.unwrittenBytes
            if unwrittenCount > 0 {
                findings.append(
                    Finding(
                        .unwrittenExtents,
                        "\(unwrittenCount) extent\(unwrittenCount == 1 ? " is" : "s are") preallocated but unwritten (\(bytes / 1024)k, fallocate); the kernel accepts them"))
            }
            if tally.flags.contains(.encrypted) {
                findings.append(
                    Finding(
                        .oldKernelIncompatible,
                        "the file is encrypted by the file system (fscrypt): 6.18 accepts it, newer kernels refuse it (\"Filesystem-level encrypted swapfile … is unsupported\")",
                        fix: "use dm-crypt or a loop device over the file instead"))
            }
        }
        if activation.extentCount > 1 {
            findings.append(
                Finding(
                    .fragmented,
                    "\(activation.extentCount) swap extents spread across \(activation.spanPages * kib)k of the device"))
        }
        return findings
    }

    /// `Adding %uk swap on %s.  Priority:%d extents:%d across:%lluk %s%s%s%s` (mm/swapfile.c), without the
    /// trailing space the kernel leaves when no flag follows.
    public static func addingLine(_ facts: AreaFacts, activation: Activation, pageSize: Int, discardFlags: String = "") -> String {
        let shift = UInt64(pageSize.trailingZeroBitCount - 10)
        let sizeKiB = UInt32(truncatingIfNeeded: activation.pages << shift)
        let acrossKiB = activation.spanPages << shift
        let flags = (facts.nonRotational ? "SS" : "") + discardFlags
        let line = "Adding \(sizeKiB)k swap on \(facts.path).  Priority:\(facts.priority) extents:\(activation.extentCount) across:\(acrossKiB)k"
        return flags.isEmpty ? line : line + " " + flags
    }
}

/// The permission bits of a mode as four octal digits (`0600`), as chmod(1) takes them.
public func octalMode(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
