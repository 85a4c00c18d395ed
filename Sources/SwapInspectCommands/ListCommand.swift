import ArgumentParser
import SwapInspectCore
import SwapInspectLinux

/// `swapinspect list`: every active area of /proc/swaps, each inspected.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
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
        // The reports after the table are the full ones, without colour, as --extents asks.
        let format = OutputFormat(json: output.json, colour: false, allExtents: true)
        CommandOutput.areas(areas, errors: errors, showReports: output.extents).write(format)
        HibernationSummary.write(json: output.json, pageSize: simulation.effectivePageSize)
        let reports = areas.compactMap(\.report)
        let status = ExitPolicy.status(reports: reports, errorCount: errors.count, strict: output.strict)
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}
