import SwapInspectCore

/// The text of every command's output, for people.
extension TextRenderer {
    func render(_ output: CommandOutput, into out: inout OutputBuffer) {
        switch output {
        case .reports(let reports, _):
            for (index, report) in reports.enumerated() {
                if index > 0 { out.newline() }
                render(report, into: &out)
            }
        case .firstRun:
            out.write(Self.firstRunHint)
        case .areas(let areas, _, let showReports):
            renderAreas(areas, showReports: showReports, into: &out)
        case .probes(let probes, _):
            for (index, probe) in probes.enumerated() {
                if index > 0 { out.newline() }
                renderProbe(probe, into: &out)
            }
        case .action(let record, let reports, _, let showReports, let failed):
            if showReports {
                for report in reports {
                    render(report, into: &out)
                    out.newline()
                }
            }
            if !failed {
                out.write(record.message)
                out.newline()
            }
        case .hibernation(let verdict, _):
            renderHibernation(verdict, into: &out)
        }
    }

    static let firstRunHint = """
        No swap area is active. Inspect one before activating it:
          swapinspect /swapfile              what the kernel would do with it, and why
          swapinspect probe /dev/sdb2        signature and header only
          swapinspect activate /swapfile     preflight, then swapon(2)
          swapinspect --help                 everything else

        """

    /// `list`: columns in the spirit of `swapon --show`, then the full reports when asked for.
    func renderAreas(_ areas: [ListedArea], showReports: Bool, into out: inout OutputBuffer) {
        let rows = areas.map { area in
            let entry = area.entry
            return [entry.name + (entry.deleted ? " (deleted)" : ""), entry.type, "\(entry.sizeKiB)K", "\(entry.usedKiB)K", "\(entry.priority)"]
                + inspectedColumns(area.report)
        }
        if !rows.isEmpty {
            writeTable(header: ["NAME", "TYPE", "SIZE", "USED", "PRIO", "UUID", "LABEL", "EXTENTS", "SPAN", "RESUME"], rows: rows, into: &out)
        }
        guard showReports else { return }
        for report in areas.compactMap(\.report) {
            out.newline()
            render(report, into: &out)
        }
    }

    func renderProbe(_ result: ProbeReport, into out: inout OutputBuffer) {
        out.write("\(Escapes.visible(result.path)): \(result.kind == .blockDevice ? "block device" : result.kind == .file ? "file" : "special file"), \(humanSize(result.size))")
        if let spec = result.spec { out.write(" (\(Escapes.visible(spec)))") }
        out.newline()
        var rows: [[String]] = []
        let ours = result.header
        var blkidValues = BlkidValues(pairs: [])
        if case .found(let values) = result.blkid { blkidValues = values }
        func oursType(_ header: SwapHeader?) -> String {
            guard let header else { return "" }
            switch header.kind {
            case .swapV1, .swapV0: return "swap"
            case .hibernation: return "swsuspend"
            }
        }
        rows.append(["TYPE", oursType(ours), blkidValues["TYPE"] ?? ""])
        rows.append(["VERSION", ours?.version.map { "\($0)" } ?? (ours?.kind == .swapV0 ? "0" : ""), blkidValues["VERSION"] ?? ""])
        rows.append(["UUID", ours?.uuid ?? "", blkidValues["UUID"] ?? ""])
        rows.append(["LABEL", ours?.label ?? "", blkidValues["LABEL"] ?? ""])
        rows.append(["ENDIANNESS", ours?.byteOrder.map { $0 == .little ? "LITTLE" : "BIG" } ?? "", blkidValues["ENDIANNESS"] ?? ""])
        rows.append(["PAGESIZE", ours.map { "\($0.pageSize)" } ?? "", blkidValues.swapPageSize.map { "\($0)" } ?? ""])
        rows.append(["LAST_PAGE", ours?.lastPage.map { "\($0)" } ?? "", ""])
        rows.append(["SIGNATURE", ours?.signature ?? "", blkidValues["SBMAGIC"] ?? ""])
        for pair in blkidValues.pairs where !["TYPE", "VERSION", "UUID", "LABEL", "ENDIANNESS", "SBMAGIC", "SBMAGIC_OFFSET"].contains(pair.name) {
            rows.append([pair.name, "", pair.value])
        }
        if case .ambivalent = result.blkid { rows.append(["(blkid)", "", "ambivalent result"]) }
        if case .failed(let why) = result.blkid { rows.append(["(blkid)", "", why]) }
        writeTable(header: ["FIELD", "SWAPINSPECT", "LIBBLKID"], rows: rows, into: &out)
        for finding in result.findings {
            out.write("  \(finding.severity.rawValue) \(finding.code.rawValue): \(Escapes.visible(finding.message))")
            out.newline()
            if let fix = finding.fix {
                out.write("    fix: \(Escapes.visible(fix))")
                out.newline()
            }
        }
    }
}

/// UUID LABEL EXTENTS SPAN RESUME of an inspected area; blank when it could not be inspected.
private func inspectedColumns(_ report: Report?) -> [String] {
    guard let report else { return ["", "", "", "", ""] }
    let kib = UInt64(report.pageSize / 1024)
    let activation = report.activation.flatMap { $0.ok ? $0 : nil }
    return [
        report.header?.uuid ?? "", report.header?.label ?? "",
        activation.map { "\($0.extentCount)" } ?? "-",
        activation.map { "\($0.spanPages &* kib)K" } ?? "-",
        report.resumeOffset.map { "\($0)" } ?? "-",
    ]
}
