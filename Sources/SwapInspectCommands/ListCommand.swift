import ArgumentParser
import SwapInspectCore
import SwapInspectLinux

/// `swapinspect list`: every active area of /proc/swaps, each inspected.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every active swap area (/proc/swaps), each inspected.",
        discussion: """
            Columns in the spirit of util-linux 'swapon --show' (NAME TYPE SIZE USED PRIO UUID LABEL) plus \
            the kernel's extent count, span and the resume_offset for hibernation.
            """
    )

    @OptionGroup var output: OutputOptions
    @OptionGroup var simulation: SimulationOptions

    func run() throws {
        try Self.show(output: output, simulation: simulation)
    }

    static func show(output: OutputOptions, simulation: SimulationOptions) throws {
        let entries = SwapControl.activeAreas()
        var reports: [Report] = []
        var errors: [(path: String, message: String)] = []
        var rows: [[String]] = []
        for entry in entries {
            let row = [entry.name + (entry.deleted ? " (deleted)" : ""), entry.type, "\(entry.sizeKiB)K", "\(entry.usedKiB)K", "\(entry.priority)"]
            var report: Report?
            if entry.deleted {
                let message = "\(entry.name): cannot inspect: the file was deleted while active"
                errors.append((entry.name, message))
                printError(message)
            } else {
                let (inspected, failures) = InspectionRun.inspect([entry.name], simulation: simulation)
                errors += failures
                report = inspected.first
            }
            if let report { reports.append(report) }
            rows.append(row + inspectedColumns(report))
        }
        if output.json {
            emit(reports, errors: errors, output: output)
        } else {
            var out = OutputBuffer(fd: 1)
            if !rows.isEmpty {
                writeTable(header: ["NAME", "TYPE", "SIZE", "USED", "PRIO", "UUID", "LABEL", "EXTENTS", "SPAN", "RESUME"], rows: rows, into: &out)
            }
            if output.extents {
                let renderer = TextRenderer(colour: false, allExtents: true)
                for report in reports {
                    out.newline()
                    renderer.render(report, into: &out)
                }
            }
            out.flush()
        }
        let status = ExitPolicy.status(reports: reports, errorCount: errors.count, strict: output.strict)
        if status != ExitStatus.ok { throw ExitCode(status) }
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

/// A left-aligned table with numeric columns right-aligned, util-linux style.
func writeTable(header: [String], rows: [[String]], into out: inout OutputBuffer) {
    let numeric: Set<String> = ["SIZE", "USED", "PRIO", "EXTENTS", "SPAN", "RESUME"]
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    for line in [header] + rows {
        var text = ""
        for (index, cell) in line.enumerated() {
            let pad = String(repeating: " ", count: widths[index] - cell.count)
            text += numeric.contains(header[index]) ? pad + cell : cell + (index == line.count - 1 ? "" : pad)
            if index < line.count - 1 { text += " " }
        }
        while text.hasSuffix(" ") { text.removeLast() }
        out.write(text)
        out.newline()
    }
}
