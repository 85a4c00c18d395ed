import ArgumentParser
import SwapInspectCore
import SwapInspectLinux

/// `swapinspect list`: every active area of /proc/swaps, each inspected.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every active swap area (/proc/swaps), each inspected.",
        discussion: """
            The columns of util-linux 'swapon --show' (NAME TYPE SIZE USED PRIO UUID LABEL, sizes as it prints \
            them: 128M, 0B), then the kernel's extent count, span and the resume_offset for hibernation. \
            Available columns (--output):
            """ + "\n" + ColumnList<ListColumn>.helpLines
    )

    @OptionGroup var output: OutputOptions
    @OptionGroup var table: TableOptions<ListColumn>

    @Flag(name: .long, help: "SIZE, USED and SPAN in bytes (default: as swapon prints them, 128M).")
    var bytes = false

    @OptionGroup var simulation: SimulationOptions

    func run() throws {
        try Self.show(output: output, table: ListTable(layout: table.layout, bytes: bytes), simulation: simulation)
    }

    static func show(output: OutputOptions, table: ListTable = ListTable(), simulation: SimulationOptions) throws {
        var areas: [ListedArea] = []
        var errors: [ErrorLine] = []
        for entry in SwapControl.activeAreas() {
            var area = ListedArea(entry: entry, report: nil)
            if entry.deleted {
                let message = "\(entry.name): cannot inspect: the file was deleted while active"
                errors.append((entry.name, message))
                printError(message)
            } else {
                let (inspected, failures) = InspectionRun.inspect([entry.name], simulation: simulation)
                errors += failures
                area.report = inspected.first
            }
            areas.append(area)
        }
        // The reports after the table are the full ones, without colour unless asked for, as --extents asks.
        var format = OutputFormat(output, allExtents: true)
        if case .text = format, output.color == .auto { format = OutputFormat(json: false, colour: false, allExtents: true) }
        try CommandOutput.areas(areas, errors: errors, showReports: output.extents, table: table).write(format, to: output.outputFile)
        if output.textOnStdout { HibernationSummary.write(pageSize: simulation.effectivePageSize) }
        let reports = areas.compactMap(\.report)
        let status = ExitPolicy.status(reports: reports, errorCount: errors.count, strict: output.strict)
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}
