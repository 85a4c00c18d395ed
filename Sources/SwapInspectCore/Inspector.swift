/// From the facts about one area to the report: what swapon(2) would do with it, and why.
///
/// The steps follow the kernel's order: what the path is and which activation path its file system
/// takes (before the header is read), then `read_swap_header`, then the activation model, then the
/// findings about a layout that activates.
public enum Inspector {
    public static func inspect(_ facts: AreaFacts, options: InspectOptions) -> Report {
        let signatures = SwapHeaderDetector.detectAll(facts.headerBytes)
        var report = Report(
            facts: facts, pageSize: options.pageSize, signatures: signatures,
            header: signatures.first { $0.pageSize == options.pageSize } ?? signatures.first,
            activation: nil, kernelLog: nil, userspaceResumeOffset: nil, findings: [], undetermined: nil)
        if let priority = options.swapFlags.priority { report.facts.priority = priority }
        report.findings += AreaFindings.security(facts)

        switch chooseModel(facts, options: options) {
        case .refused(let model, let refusal):
            report.refuse(refusal, model: model)
        case .undetermined(let reason, let finding):
            report.cannotJudge(reason, finding: finding)
        case .simulate(let model):
            simulateAfterHeader(model, into: &report, options: options)
        }
        // After the verdict's own findings: a refusal comes first.
        if let damage = facts.filesystem?.damage { report.findings.append(Finding(.filesystemDamaged, damage)) }
        if let pending = facts.filesystem?.pendingLog { report.findings.append(Finding(.needsRecovery, pending)) }
        if let active = facts.active, report.undetermined == nil {
            report.findings.append(AreaFindings.inUse(active, report: report))
        }
        FixPlanner.plan(&report)
        return report
    }

    /// What is decided before the header is read.
    enum Preflight: Equatable {
        case simulate(ActivationModel)
        case refused(ActivationModel, Refusal)
        case undetermined(String, Finding?)
    }

    /// The swap path is chosen before the header is read: a path that is no area, corrupt metadata, or a
    /// file system without a swap path fails first.
    static func chooseModel(_ facts: AreaFacts, options: InspectOptions) -> Preflight {
        switch facts.kind {
        case .other:
            let special = facts.specialFile ?? .other
            let finding = Finding(
                .notRegularFile, "\(special.name), not a regular file or block device: swapon fails with \(special.swaponErrno)")
            return .refused(.generic, Refusal(errno: special.swaponErrno, kernelMessage: nil, finding: finding))
        case .blockDevice:
            if let refusal = KernelRules.swaponOpen(facts) { return .refused(.blockDevice, refusal) }
            return .simulate(.blockDevice)
        case .file:
            if let refusal = KernelRules.swaponOpen(facts) { return .refused(declaredModel(facts, selection: options.model), refusal) }
            if let reason = implausibility(facts) { return .undetermined(reason, nil) }
            let choice = fileModel(facts, selection: options.model)
            if case .simulate(let model) = choice,
                let refusal = KernelRules.blockLargerThanPage(
                    blockSize: facts.filesystem?.blockSize, pageSize: options.pageSize, filesystem: facts.filesystem?.kind.name)
            {
                return .refused(model, refusal)
            }
            return choice
        }
    }

    /// Numbers no file system reports come from corrupt metadata (or a corrupt image): no prediction.
    static func implausibility(_ facts: AreaFacts) -> String? {
        if let extent = facts.extentTally.implausible {
            return "the extent map is corrupt: the extent at file byte \(extent.logical) (\(extent.length) bytes at device byte \(extent.physical)) reaches past the largest offset a file or device has (2^63)"
        }
        if facts.size > FileExtent.maxOffset {
            return "the file size \(facts.size) is past the largest offset a file has (2^63): its metadata is corrupt"
        }
        if let reason = facts.btrfs?.implausibility { return "the btrfs metadata is corrupt: \(reason)" }
        return nil
    }

    /// The file system's own activation path, or the one the user forced where it applies.
    static func fileModel(_ facts: AreaFacts, selection: ModelSelection) -> Preflight {
        let support = facts.filesystem?.kind.swapSupport ?? .unmodelled("unknown file system")
        let fsName = facts.filesystem?.kind.name ?? "unknown"
        let own: ActivationModel
        switch support {
        case .refused(let reason, let errno):
            let finding = Finding(.unsupportedFilesystem, reason, advice: "put the swap file on ext4 or XFS, or use a swap partition")
            return .refused(.generic, Refusal(errno: errno, kernelMessage: nil, finding: finding))
        case .unmodelled(let reason):
            return .undetermined(reason, Finding(.unsupportedFilesystem, "\(fsName): \(reason)"))
        case .activates(let model):
            own = model
        }
        let model: ActivationModel
        switch selection {
        case .auto: model = own
        case .forced(let forced): model = forced
        }
        if model == .btrfs && facts.btrfs == nil {
            let reason = own == .btrfs ? btrfsFactsMissing : "the btrfs model applies only to files on btrfs; \(facts.path) is on \(fsName)"
            return .undetermined(reason, Finding(.unsupportedFilesystem, "\(fsName): \(reason)"))
        }
        if own == .btrfs && model != .btrfs {
            let reason = "btrfs activates swap files with btrfs_swap_activate; the \(model.rawValue) model does not apply (FIEMAP shows btrfs logical addresses, not device addresses)"
            return .undetermined(reason, Finding(.unsupportedFilesystem, "btrfs: \(reason)"))
        }
        return .simulate(model)
    }

    /// The model a refusal before any activator runs is reported under: the one asked for, else the file
    /// system's own.
    static func declaredModel(_ facts: AreaFacts, selection: ModelSelection) -> ActivationModel {
        if case .forced(let model) = selection { return model }
        if case .activates(let model) = facts.filesystem?.kind.swapSupport { return model }
        return .generic
    }

    static let btrfsFactsMissing =
        "no btrfs facts (inode flags, file extent items, chunk map) were gathered for this file, and FIEMAP alone shows btrfs logical addresses, not device addresses"

    /// `read_swap_header`, then the model with the pages the header allows.
    static func simulateAfterHeader(_ model: ActivationModel, into report: inout Report, options: InspectOptions) {
        let facts = report.facts
        let pageSize = options.pageSize
        if facts.kind == .file && facts.size < UInt64(pageSize) {
            report.refuse(KernelRules.fileSmallerThanPage(facts, pageSize: pageSize), model: model)
            return
        }
        let verdict = HeaderValidator.validate(
            detected: report.signatures, pageSize: pageSize, areaBytes: facts.size, isRegularFile: facts.kind == .file,
            archMaxPages: options.archMaxPages, path: facts.path)
        report.findings += verdict.findings
        if let refusal = verdict.refusal {
            report.refuse(refusal, model: model)
            // The layout's own problems still matter after a fresh mkswap: report them as well.
            report.findings += layoutProblemsBeyondHeader(model, facts, pageSize: pageSize)
            return
        }
        let maxPages = verdict.maxPages ?? 0
        let simulation = ActivationSimulator.simulate(model, facts, header: verdict.header, pageSize: pageSize, maxPages: maxPages)
        report.facts.notes += simulation.notes
        let activation = simulation.activation
        if let unknown = activation.undetermined {
            report.cannotJudge(unknown.reason, finding: unknown.finding)
            return
        }
        if let refusal = activation.refusal {
            report.refuse(refusal, activation: activation)
            return
        }
        report.findings += AreaFindings.layout(facts, activation: activation, headerMax: maxPages, pageSize: pageSize)
        report.accept(
            activation, discardFlags: options.swapFlags.kernelLetters(deviceSupportsDiscard: facts.supportsDiscard),
            userspaceResumeOffset: userspaceResumeOffset(facts, activation: activation, simulation: simulation, pageSize: pageSize))
    }

    /// The refusals and unknowns of the file's layout alone, as if the header held every page of the file.
    static func layoutProblemsBeyondHeader(_ model: ActivationModel, _ facts: AreaFacts, pageSize: Int) -> [Finding] {
        let filePages = facts.size / UInt64(pageSize)
        guard facts.kind == .file, filePages > 0 else { return [] }
        let layout = ActivationSimulator.simulate(model, facts, header: nil, pageSize: pageSize, maxPages: filePages).activation
        var findings: [Finding] = []
        if let refusal = layout.refusal, refusal.finding.code != .emptySwap { findings.append(refusal.finding) }
        if let finding = layout.undetermined?.finding { findings.append(finding) }
        return findings
    }

    /// What a FIEMAP-floor tool (systemd, filefrag recipes) or btrfs-progs would give as resume_offset.
    static func userspaceResumeOffset(
        _ facts: AreaFacts, activation: Activation, simulation: ActivationSimulator.Simulation, pageSize: Int
    ) -> UInt64? {
        if facts.kind == .blockDevice { return 0 }
        // btrfs-progs `inspect-internal map-swapfile -r` and systemd read the first item's disk_bytenr.
        if activation.model == .btrfs { return simulation.mapSwapfileResumeOffset }
        guard let first = facts.extents.first, first.logical == 0 else { return nil }
        return first.physical / UInt64(pageSize)
    }
}

extension Report {
    /// The kernel refuses the area: the refusal's finding, its log line (nil where it fails silently).
    mutating func refuse(_ refusal: Refusal, model: ActivationModel) {
        var activation = Activation(model: model)
        activation.refusal = refusal
        refuse(refusal, activation: activation)
    }

    mutating func refuse(_ refusal: Refusal, activation: Activation) {
        findings.append(refusal.finding)
        self.activation = activation
        kernelLog = refusal.kernelMessage
    }

    /// No verdict (exit 2): the reason, and the finding that says what to do where there is one.
    mutating func cannotJudge(_ reason: String, finding: Finding?) {
        if let finding { findings.append(finding) }
        undetermined = reason
    }

    /// The kernel accepts the area: its `Adding …` line.
    mutating func accept(_ activation: Activation, discardFlags: String, userspaceResumeOffset: UInt64?) {
        self.activation = activation
        kernelLog = KernelLine.adding(facts, activation: activation, pageSize: pageSize, discardFlags: discardFlags)
        self.userspaceResumeOffset = userspaceResumeOffset
    }
}
