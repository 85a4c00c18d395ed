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
        case .areas(let areas, _, let showReports, let table):
            renderAreas(areas, table: table, showReports: showReports, into: &out)
        case .probes(let probes, _, let layout):
            for (index, probe) in probes.enumerated() {
                if index > 0 { out.newline() }
                renderProbe(probe, layout: layout, into: &out)
            }
        case .action(let record, let reports, _, let showReports, let failed):
            renderAction(record, reports: reports, showReports: showReports, failed: failed, into: &out)
        case .actions(let outcomes, _):
            for outcome in outcomes {
                renderAction(
                    outcome.record, reports: outcome.reports, showReports: outcome.showReport, failed: outcome.failed, into: &out)
            }
        case .hibernation(let verdict, _):
            renderHibernation(verdict, into: &out)
        }
    }

    /// The preflight's reports when shown, else their warnings (they are printed in every case); then the
    /// outcome, unless it failed (its message went to stderr), and its notes.
    func renderAction(_ record: ActionRecord, reports: [Report], showReports: Bool, failed: Bool, into out: inout OutputBuffer) {
        if showReports {
            for report in reports {
                render(report, into: &out)
                out.newline()
            }
        }
        if !failed {
            out.write(Escapes.visible(record.message))
            out.newline()
        }
        for note in record.notes {
            out.write("  note: \(Escapes.visible(note))")
            out.newline()
        }
        guard !showReports else { return }
        for report in reports {
            for finding in report.findings where finding.severity == .warning {
                out.write("  \(paint(finding.severity.rawValue, .warning)) \(finding.code.rawValue): \(Escapes.visible(finding.message))")
                out.newline()
                if let fix = finding.fix {
                    out.write("    fix: \(Escapes.visible(fix))")
                    out.newline()
                }
            }
        }
    }

    static let firstRunHint = """
        No swap area is active. Inspect one before activating it:
          swapinspect /swapfile              what the kernel would do with it, and why
          swapinspect probe /dev/sdb2        signature and header only
          swapinspect activate /swapfile     preflight, then swapon(2)
          swapinspect --help                 everything else

        """

    /// `list`: the columns of `swapon --show` and ours (`ListColumn`), then the full reports when asked for.
    func renderAreas(_ areas: [ListedArea], table: ListTable, showReports: Bool, into out: inout OutputBuffer) {
        let rows = areas.map { area in table.layout.columns.map { $0.value(area, bytes: table.bytes) } }
        if !rows.isEmpty { writeTable(table.layout, rows: rows, into: &out) }
        guard showReports else { return }
        for report in areas.compactMap(\.report) {
            out.newline()
            render(report, into: &out)
        }
    }

    func renderProbe(_ result: ProbeReport, layout: TableLayout<ProbeColumn> = TableLayout(), into out: inout OutputBuffer) {
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
        let picked = rows.map { row in layout.columns.map { row[ProbeColumn.allCases.firstIndex(of: $0) ?? 0] } }
        writeTable(layout, rows: picked, into: &out)
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
