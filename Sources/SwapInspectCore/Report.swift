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
    /// The tag the area was named by (`UUID=…`, `LABEL=…`) when it was not named by its path.
    public var spec: String? = nil
    /// `image`: the image's own boot configuration checked for hibernating into this swap file.
    public var hibernation: HibernationVerdict? = nil

    public var resumeOffset: UInt64? { activation?.resumeOffset }
    /// The size the kernel would report (`Adding Nk`, /proc/swaps Size) when it accepts the area.
    public var predictedSizeKiB: UInt64? {
        guard let activation, activation.ok else { return nil }
        return activation.pages * UInt64(pageSize / 1024)
    }
    public var worstSeverity: Severity? { findings.map(\.severity).max() }

    /// Pages of the area that do not become swap: misaligned pieces, beyond last_page, bad pages.
    public var unusablePages: UInt64? {
        guard let activation, activation.ok else { return nil }
        let areaPages = facts.size / UInt64(pageSize)
        return areaPages - min(areaPages, activation.pages + 1)
    }
}

extension Report {
    /// A report for an area that was named (an fstab entry) but could not be found: swapon would
    /// fail before reading anything.
    public static func unresolved(
        path: String, finding: Finding, errno: ErrnoName = .noSuchFileOrDirectory, image: ImageLocation?, pageSize: Int,
        placeholder: String = "no such device"
    ) -> Report {
        var activation = Activation(model: .blockDevice)
        activation.refusal = Refusal(errno: errno, kernelMessage: nil, finding: finding)
        var facts = AreaFacts(path: path, kind: .other, size: 0, mode: 0, headerBytes: [], source: .blockDevice)
        facts.placeholder = placeholder
        return Report(
            facts: facts,
            pageSize: pageSize, signatures: [], header: nil, activation: activation, kernelLog: nil,
            userspaceResumeOffset: nil, findings: [finding], undetermined: nil, image: image)
    }

    /// A report for an area that exists but cannot be judged offline (an XFS partition, an LVM
    /// physical volume, …): the finding says what online `inspect` needs; the exit status is 2.
    public static func notAuditable(
        path: String, size: UInt64, finding: Finding, image: ImageLocation?, pageSize: Int
    ) -> Report {
        Report(
            facts: AreaFacts(path: path, kind: .blockDevice, size: size, headerBytes: [], source: .blockDevice),
            pageSize: pageSize, signatures: [], header: nil, activation: nil, kernelLog: nil,
            userspaceResumeOffset: nil, findings: [finding], undetermined: finding.message, image: image)
    }
}
