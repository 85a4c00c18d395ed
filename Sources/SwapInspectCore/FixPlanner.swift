/// Every finding's fix, decided in one place from its code and the area's facts: one shell command line
/// that, run as printed by root, removes that finding and adds no other — or none, where no command
/// does (the message then says what to do). Paths are quoted for the shell; an area that is recreated
/// keeps its size, UUID and label, so that `UUID=` entries keep working.
struct FixPlanner {
    let facts: AreaFacts
    let pageSize: Int
    let header: SwapHeader?
    let signatures: [SwapHeader]
    let model: ActivationModel?

    init(_ report: Report) {
        facts = report.facts
        pageSize = report.pageSize
        header = report.header
        signatures = report.signatures
        model = report.activation?.model ?? Self.ownModel(report.facts)
    }

    static func ownModel(_ facts: AreaFacts) -> ActivationModel? {
        if facts.kind == .blockDevice { return .blockDevice }
        if case .activates(let model) = facts.filesystem?.kind.swapSupport { return model }
        return nil
    }

    static func plan(_ report: inout Report) {
        let planner = FixPlanner(report)
        for index in report.findings.indices {
            let (fix, alternatives) = planner.fix(for: report.findings[index])
            report.findings[index].fix = fix
            report.findings[index].alternatives = alternatives
        }
        // The refusal carries its finding too: the same fix there.
        if let refused = report.activation?.refusal?.finding {
            let (fix, alternatives) = planner.fix(for: refused)
            report.activation?.refusal?.finding.fix = fix
            report.activation?.refusal?.finding.alternatives = alternatives
        }
    }

    /// A probe's findings (no model: a fix that recreates a file is left out).
    static func plan(_ findings: inout [Finding], path: String, kind: AreaKind, size: UInt64, pageSize: Int, signatures: [SwapHeader]) {
        var report = Report(
            facts: AreaFacts(path: path, kind: kind, size: size, headerBytes: []), pageSize: pageSize, signatures: signatures,
            header: signatures.first { $0.pageSize == pageSize } ?? signatures.first, activation: nil, kernelLog: nil,
            userspaceResumeOffset: nil, findings: findings, undetermined: nil)
        plan(&report)
        findings = report.findings
    }

    var path: String { ShellQuote.quote(facts.path) }

    /// A swap file whose mode and owner come from its file system's mount options.
    var modesFromMount: Bool { facts.kind == .file && facts.filesystem?.modesFromMount != nil }

    func fix(for finding: Finding) -> (String?, [String]) {
        switch finding.code {
        // vfat, exFAT, ntfs-3g without permissions: chmod and chown store nothing (the advice says what does).
        case .insecurePermissions where modesFromMount, .insecureOwner where modesFromMount: return (nil, [])
        case .insecurePermissions: return ("chmod \(facts.kind == .blockDevice ? "0660" : "0600") \(path)", [])
        case .insecureOwner: return ("chown 0:0 \(path)", [])
        case .immutable:
            let flags = (facts.open.immutable ? ["-i"] : []) + (facts.open.appendOnly ? ["-a"] : [])
            return ("chattr \(flags.joined(separator: " ")) \(path)", [])
        case .readOnlyMount:
            if let mountPoint = facts.open.readOnlySuperblock { return ("mount -o remount,rw \(ShellQuote.quote(mountPoint))", []) }
            // Only this mount is read-only: the bind mount's own flag, not the file system's.
            if let mountPoint = facts.open.readOnlyMount { return ("mount -o remount,bind,rw \(ShellQuote.quote(mountPoint))", []) }
            return (nil, [])
        case .notCommitted: return ("sync \(path)", ["swapinspect --sync \(path)"])
        case .pagesizeMismatch:
            let other = signatures.first { $0.kind == .swapV1 }.map { ["swapinspect --page-size \($0.pageSize) \(path)"] } ?? []
            return (rewrite(mkswap()), other)
        case .noSignature, .unsupportedVersion, .tooManyBadPages, .fileBeyondLastPage:
            return (rewrite(mkswap()), [])
        case .badPageOutOfRange: return (rewrite(mkswap(checkBlocks: true)), [])
        case .tooSmall:
            return (rewrite(facts.kind == .file && facts.size < UInt64(pageSize) ? recreate(bytes: Self.newFileBytes) : mkswap()), [])
        case .emptySwap:
            if facts.kind == .blockDevice { return (rewrite(mkswap(checkBlocks: header?.lastPage != 0)), []) }
            return (rewrite(header?.lastPage == 0 ? mkswap() : recreate(bytes: Self.newFileBytes)), [])
        case .sharedExtents where model == .btrfs:
            // A snapshot or a reflinked copy shares the data: the message says what to do; nothing is deleted.
            return (nil, [])
        case .holes, .inlineData, .encodedExtents, .sharedExtents, .copyOnWrite, .compressed:
            return (rewrite(facts.kind == .file ? recreate(bytes: facts.size / UInt64(pageSize) * UInt64(pageSize)) : nil), [])
        default:
            return (nil, [])
        }
    }

    /// A new file when the old one has no usable size: 1 GiB.
    static let newFileBytes: UInt64 = 1 << 30

    /// Nothing is rewritten under the kernel: an active area gets no such fix.
    func rewrite(_ command: String?) -> String? { facts.active == nil ? command : nil }

    /// `-U`/`-L` of the header there is, so that the new one has the same identity.
    var identity: String {
        guard let header, header.kind == .swapV1 else { return "" }
        var flags = ""
        if let uuid = header.uuid { flags += " -U \(uuid)" }
        if let label = header.label { flags += " -L \(ShellQuote.quote(label))" }
        return flags
    }

    func mkswap(checkBlocks: Bool = false) -> String {
        "mkswap\(checkBlocks ? " -c" : "") -p \(pageSize)\(identity) \(path)"
    }

    /// The file made anew by `swapinspect create --force`: never readable by others, every block
    /// allocated the way its activation path needs (preallocated for iomap, NOCOW first on btrfs, zeroes
    /// for bmap), proven to activate before it replaces the old one, with the old size, UUID and label.
    func recreate(bytes: UInt64) -> String? {
        let size = max(bytes, UInt64(pageSize) * SwapHeaderWriter.minimumPages)
        switch model {
        case .iomap?, .btrfs?, .generic?: break
        case .blockDevice?, nil: return nil
        }
        var flags = ""
        if let header, header.kind == .swapV1 {
            if let uuid = header.uuid { flags += " --uuid \(uuid)" }
            if let label = header.label {
                // A 16-byte label (not mkswap's) cannot be kept: no fix rather than one that renames the area.
                guard label.utf8.count <= SwapHeaderWriter.maximumLabelBytes else { return nil }
                flags += " --label \(ShellQuote.quote(label))"
            }
        }
        return "swapinspect create --force \(path) --size \(size) --page-size \(pageSize)\(flags)"
    }
}

extension [Finding] {
    /// Offline (`image`): a path in a fix is one inside the image, not on this machine. The command goes
    /// into the message, for the system that boots the image, and the fix stays empty.
    public mutating func moveFixesIntoMessages() {
        for index in indices {
            guard let fix = self[index].fix else { continue }
            self[index].message += " (on the system that boots the image: \(fix))"
            self[index].fix = nil
            self[index].alternatives = []
        }
    }
}
