import SwapInspectCore

/// Text for people: a verdict line, a summary block, the predicted kernel line, findings with fixes,
/// and the swap extent table (abbreviated unless --extents).
struct TextRenderer {
    var colour: Bool
    var allExtents: Bool
    /// Rows shown at each end of an abbreviated extent table.
    static let abbreviatedRows = 5
    /// Width of each column of the extent table.
    static let columnWidth = 16

    func render(_ report: Report, into out: inout OutputBuffer) {
        renderVerdict(report, into: &out)
        let rows = summaryRows(report)
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            out.write("  ")
            out.write(label)
            out.write(String(repeating: " ", count: width - label.count + 2))
            out.write(Escapes.visible(value))
            out.newline()
        }
        renderFindings(report.findings, into: &out)
        if let activation = report.activation, activation.ok, !activation.extents.isEmpty {
            renderExtents(activation.extents, logical: activation.addressSpace == .btrfsLogical, into: &out)
        }
    }

    /// `PATH: would activate — 64.0 MiB of swap`, `would be refused (EINVAL) — …` or `cannot predict — …`.
    func renderVerdict(_ report: Report, into out: inout OutputBuffer) {
        out.write(Escapes.visible(report.facts.path))
        out.write(": ")
        if let reason = report.undetermined {
            out.write(paint("cannot predict", .warning))
            out.write(" — ")
            out.write(Escapes.visible(reason))
        } else if let activation = report.activation, activation.ok {
            out.write(paint("would activate", .ok))
            out.write(" — \(humanSize(activation.pages * UInt64(report.pageSize))) of swap")
        } else if let refusal = report.activation?.refusal {
            out.write(paint("would be refused", .error))
            out.write(" (\(refusal.errno)) — ")
            out.write(Escapes.visible(refusal.kernelMessage ?? refusal.finding.message))
        }
        out.newline()
    }

    /// The labelled block under the verdict: what the area is, its header, the model's numbers, the kernel line.
    func summaryRows(_ report: Report) -> [(String, String)] {
        let facts = report.facts
        var rows: [(String, String)] = []
        if let spec = report.spec { rows.append(("spec", "\(Escapes.visible(spec)) (libblkid)")) }
        rows.append(("type", describeKind(report)))
        if let image = report.image { rows.append(("image", describeImage(image))) }
        rows.append(("header", describeHeader(report)))
        if let activation = report.activation, report.undetermined == nil, facts.placeholder == nil {
            let source = facts.kind == .other ? "" : " (\(facts.source.rawValue))"
            rows.append(("model", activation.model.rawValue + source))
            if activation.ok { rows += activationRows(report, activation) }
        }
        if let btrfs = facts.btrfs { rows.append(("btrfs", describeBtrfs(btrfs))) }
        if let line = report.kernelLog {
            rows.append(("kernel", line))
        } else if report.activation?.ok == false && report.undetermined == nil && facts.placeholder == nil {
            rows.append(("kernel", "(fails silently: no log line)"))
        }
        for note in facts.notes { rows.append(("note", note)) }
        return rows
    }

    /// usable, extents, physical, unusable and hibernate of an accepted area.
    func activationRows(_ report: Report, _ activation: Activation) -> [(String, String)] {
        let kib = UInt64(report.pageSize / 1024)
        let logical = activation.addressSpace == .btrfsLogical
        var rows: [(String, String)] = []
        rows.append(("usable", "\(activation.pages) pages (\(activation.pages * kib)k, \(humanSize(activation.pages * UInt64(report.pageSize))))"))
        var extents = "\(activation.extentCount), across \(activation.spanPages) pages (\(activation.spanPages &* kib)k)"
        if logical { extents += " on btrfs logical addresses: exact only if the file lies in one chunk" }
        rows.append(("extents", extents))
        if let low = activation.lowestPhysicalPage, let high = activation.highestPhysicalPage {
            rows.append(
                logical
                    ? ("logical", "pages \(low)..\(high) (btrfs logical; the device pages need the chunk tree)")
                    : ("physical", "pages \(low)..\(high) (span bookkeeping, header page excluded)"))
        }
        if let unusable = report.unusablePages {
            rows.append(("unusable", "\(unusable) page\(unusable == 1 ? "" : "s") of the area"))
        }
        if let resume = report.resumeOffset {
            rows.append(("hibernate", describeResumeOffset(resume, report: report, model: activation.model)))
        } else if logical {
            rows.append(("hibernate", "resume_offset unknown: it needs the device address, which needs the chunk tree (root)"))
        }
        return rows
    }

    /// `resume_offset=N`, and what the userspace recipes would say instead.
    func describeResumeOffset(_ resume: UInt64, report: Report, model: ActivationModel) -> String {
        var text = "resume_offset=\(resume)"
        if let userspace = report.userspaceResumeOffset, userspace != resume {
            text += model == .btrfs
                ? "  (btrfs inspect-internal map-swapfile -r and systemd would say \(userspace): wrong, they ignore the first extent's offset)"
                : "  (a FIEMAP-floor tool such as systemd would say \(userspace): wrong)"
        } else if model == .btrfs, report.userspaceResumeOffset == resume {
            text += "  (btrfs inspect-internal map-swapfile -r and systemd agree)"
        }
        return text
    }

    /// `findings:` and one line per finding, with its fix under it.
    func renderFindings(_ findings: [Finding], into out: inout OutputBuffer) {
        guard !findings.isEmpty else { return }
        out.write("findings:")
        out.newline()
        for finding in findings {
            out.write("  ")
            out.write(paint(finding.severity.rawValue, finding.severity == .error ? .error : finding.severity == .warning ? .warning : .plain))
            out.write(" ")
            out.write(finding.code.rawValue)
            out.write(": ")
            out.write(Escapes.visible(finding.message))
            out.newline()
            if let fix = finding.fix {
                out.write("    fix: ")
                out.write(Escapes.visible(fix))
                out.newline()
            }
            for alternative in finding.alternatives {
                out.write("     or: ")
                out.write(Escapes.visible(alternative))
                out.newline()
            }
        }
    }

    /// `NOCOW, NODATASUM; subvolume 5, inode 257; 1 device (loop0); data single`.
    func describeBtrfs(_ btrfs: BtrfsFacts) -> String {
        var flags = [btrfs.noCow ? "NOCOW" : "copy-on-write"]
        if btrfs.compress { flags.append("compressed") }
        switch btrfs.noDataSum {
        case true?: flags.append("NODATASUM")
        case false?: flags.append("checksummed")
        case nil: break
        }
        var parts = [flags.joined(separator: ", ")]
        parts.append("inode \(btrfs.inode)" + (btrfs.subvolume.map { " in subvolume \($0)" } ?? ""))
        let devices = btrfs.devices.map { $0.path.split(separator: "/").last.map(String.init) ?? $0.path }
        parts.append("\(btrfs.deviceCount) device\(btrfs.deviceCount == 1 ? "" : "s")" + (devices.isEmpty ? "" : " (\(devices.joined(separator: ", ")))"))
        if let flags = btrfs.dataSpaceFlags {
            let profiles = Set(flags.map { $0 & BtrfsLayout.profileMask }).sorted().map(BtrfsLayout.profileName)
            if !profiles.isEmpty { parts.append("data \(profiles.joined(separator: "+"))") }
        }
        if let items = btrfs.items { parts.append("\(items.count) extent item\(items.count == 1 ? "" : "s")") }
        if btrfs.chunks == nil { parts.append("no tree search (not root)") }
        return parts.joined(separator: "; ")
    }

    func renderExtents(_ extents: [SwapExtent], logical: Bool = false, into out: inout OutputBuffer) {
        out.write("swap extents (\(extents.count)\(logical ? ", btrfs logical pages" : "")):")
        out.newline()
        out.write(logical ? "       swap page    logical page           pages" : "       swap page   physical page           pages")
        out.newline()
        let abbreviate = !allExtents && extents.count > 2 * Self.abbreviatedRows
        // Abbreviated: only the rows shown are visited (a fragmented file has a million).
        writeRows(abbreviate ? extents[..<Self.abbreviatedRows] : extents[...], into: &out)
        if abbreviate {
            out.write("  … \(extents.count - 2 * Self.abbreviatedRows) more (--extents shows all)")
            out.newline()
            writeRows(extents[(extents.count - Self.abbreviatedRows)...], into: &out)
        }
    }

    func writeRows(_ extents: ArraySlice<SwapExtent>, into out: inout OutputBuffer) {
        out.writeRows(extents, maxRowBytes: OutputBuffer.maxRowBytes(width: Self.columnWidth)) { extent, row in
            OutputBuffer.putRow(extent.swapPage, extent.physicalPage, extent.pages, width: Self.columnWidth, at: row)
        }
    }

    func describeKind(_ report: Report) -> String {
        let facts = report.facts
        let owner = "mode \(octalMode(facts.mode)), owner \(facts.uid):\(facts.gid)"
        if let placeholder = facts.placeholder { return placeholder }
        switch facts.kind {
        case .blockDevice:
            return "block device, \(humanSize(facts.size)), \(owner)"
        case .other:
            return "\((facts.specialFile ?? .other).name), \(owner)"
        case .file:
            var text = "file, \(humanSize(facts.size))"
            if let allocated = facts.allocatedBytes, allocated < facts.size {
                text += " (\(humanSize(allocated)) allocated)"
            }
            if let filesystem = facts.filesystem {
                text += " on \(filesystem.kind.name)"
                if let device = filesystem.device { text += " (\(device))" }
                text += ", \(filesystem.blockSize)-byte blocks"
            }
            return text + ", " + owner
        }
    }

    /// `disk.img, partition 1 at byte 1048576: ext4 UUID …, LABEL rootfs` (image reports only).
    func describeImage(_ image: ImageLocation) -> String {
        var text = image.path
        if image.format != "raw" { text += " (\(image.format), read through \(image.access))" }
        if let partition = image.partition { text += ", partition \(partition)" }
        if image.offset > 0 { text += " at byte \(image.offset)" }
        if let type = image.filesystem.type {
            text += ": \(type)"
            if let uuid = image.filesystem.uuid { text += " UUID \(uuid)" }
            if let label = image.filesystem.label { text += ", LABEL \(label)" }
        }
        if let mount = image.kernelMount { text += ", read through a read-only kernel mount (-o \(mount.options))" }
        return text
    }

    func describeHeader(_ report: Report) -> String {
        guard let header = report.header else { return "none (no swap or hibernation signature at any page size)" }
        var text = header.signature
        if let version = header.version { text += " v\(version)" }
        if let order = header.byteOrder { text += ", \(order.rawValue)-endian" }
        if header.pageSize > 0 { text += ", \(header.pageSize)-byte pages" }
        if let lastPage = header.lastPage { text += ", last_page \(lastPage)" }
        if let bad = header.nrBadPages, bad > 0 { text += ", \(bad) bad page\(bad == 1 ? "" : "s")" }
        if let uuid = header.uuid { text += ", UUID \(uuid)" }
        if let label = header.label { text += ", LABEL \(label)" }
        let others = report.signatures.filter { $0.pageSize != header.pageSize }
        if !others.isEmpty {
            text += "; also " + others.map { "\($0.signature) at \($0.pageSize)" }.joined(separator: ", ")
        }
        return text
    }

    enum Tone { case ok, warning, error, plain }

    func paint(_ text: String, _ tone: Tone) -> String {
        guard colour else { return text }
        let code: String
        switch tone {
        case .ok: code = "32"
        case .warning: code = "33"
        case .error: code = "31"
        case .plain: return text
        }
        return "\u{1B}[1;\(code)m\(text)\u{1B}[0m"
    }
}
