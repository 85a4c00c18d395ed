/// `swapinspect probe` for one area: the header as our parser and the kernel's rules see it, next to
/// what libblkid says, and the findings where they differ.
public struct ProbeReport: Sendable {
    public var path: String
    public var kind: AreaKind
    public var size: UInt64
    public var pageSize: Int
    /// Every signature found, at any page size.
    public var signatures: [SwapHeader]
    /// The header at the simulated page size, else the first found at another one.
    public var header: SwapHeader?
    public var blkid: BlkidAnswer
    public var findings: [Finding]
    /// The tag the area was named by (`UUID=…`), when it was not named by its path.
    public var spec: String? = nil
}

public enum SignatureProbe {
    /// The header bytes validated as `read_swap_header` does, and compared with libblkid's answer.
    public static func probe(
        path: String, kind: AreaKind, size: UInt64, headerBytes: [UInt8], blkid: BlkidAnswer, pageSize: Int
    ) -> ProbeReport {
        guard kind != .other else {
            return ProbeReport(
                path: path, kind: .other, size: 0, pageSize: pageSize, signatures: [], header: nil, blkid: .nothing,
                findings: [Finding(.notRegularFile, "not a regular file or block device: nothing to probe")])
        }
        let signatures = SwapHeaderDetector.detectAll(headerBytes)
        let verdict = HeaderValidator.validate(
            detected: signatures, pageSize: pageSize, areaBytes: size, isRegularFile: kind == .file, path: path)
        var findings = verdict.findings
        if let refusal = verdict.refusal { findings.append(refusal.finding) }
        findings += disagreements(blkid: blkid, signatures: signatures, pageSize: pageSize)
        FixPlanner.plan(&findings, path: path, kind: kind, size: size, pageSize: pageSize, signatures: signatures)
        return ProbeReport(
            path: path, kind: kind, size: size, pageSize: pageSize, signatures: signatures,
            header: signatures.first { $0.pageSize == pageSize } ?? signatures.first, blkid: blkid, findings: findings)
    }

    /// Where libblkid and the kernel's rules (as our parser applies them) see different things. The
    /// kernel does not consult libblkid, but swapon -a, systemd, lsblk and udev do.
    static func disagreements(blkid: BlkidAnswer, signatures: [SwapHeader], pageSize: Int) -> [Finding] {
        let kernelHeader = signatures.first { $0.kind == .swapV1 && $0.pageSize == pageSize }
        switch blkid {
        case .ambivalent:
            return [Finding(.blkidDisagrees, "libblkid finds several competing signatures and will not choose; tools that rely on it (swapon -a, systemd) may skip the area")]
        case .nothing, .failed:
            return kernelHeader == nil ? [] : [Finding(.blkidDisagrees, "libblkid does not see the swap signature swapinspect finds")]
        case .found(let values):
            var findings: [Finding] = []
            let type = values["TYPE"]
            if type == "swap", let blkidPageSize = values.swapPageSize, blkidPageSize != pageSize, kernelHeader == nil {
                findings.append(
                    Finding(
                        .blkidDisagrees,
                        "libblkid reports TYPE=swap (magic at byte \(blkidPageSize - SwapHeaderLayout.magicLength), i.e. \(blkidPageSize)-byte pages), but swapon on a \(pageSize)-byte-page kernel finds no signature: blkid, lsblk and udev will call this a swap area that cannot be activated"))
            }
            if let ours = kernelHeader {
                if let uuid = values["UUID"], let mine = ours.uuid, uuid != mine {
                    findings.append(Finding(.blkidDisagrees, "libblkid reports UUID \(uuid), the header at \(pageSize)-byte pages holds \(mine)"))
                }
                if type != "swap" {
                    findings.append(Finding(.blkidDisagrees, "libblkid reports TYPE=\(type ?? "none") where the kernel finds a swap header: another signature competes with it"))
                }
            }
            return findings
        }
    }
}
