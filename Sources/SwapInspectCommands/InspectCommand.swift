import ArgumentParser
import SwapInspectCore

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Inspect swap files or swap block devices on this machine (the default command).",
        discussion: """
            For each PATH: the header at every page size, validated as read_swap_header does; the physical \
            extents (FIEMAP, or FIBMAP as root); the kernel's activation model for the file system (iomap for \
            ext4 and XFS, generic bmap, block device); the predicted 'Adding …k swap' line or the kernel's \
            refusal; resume_offset; findings with fixes. Nothing is opened for writing.
            """
    )

    @OptionGroup var output: OutputOptions
    @OptionGroup var simulation: SimulationOptions

    @Argument(
        help: ArgumentHelp(
            "Swap files or swap block devices. Without any: the active areas (as 'list'), or a hint.", valueName: "path"),
        completion: .file())
    var paths: [String] = []

    func run() throws {
        if paths.isEmpty {
            try FirstRun.run(output: output, simulation: simulation)
            return
        }
        // Each report is rendered as soon as it is made and then dropped: a million-extent area's lists are
        // freed before the next path is inspected.
        var stream = ReportStream(output: output)
        var status = ExitStatus.ok
        // Only an active area can take a hibernation image: the hibernate line comes with one.
        var anyActive = false
        let errors = InspectionRun.inspect(paths, simulation: simulation) { report in
            anyActive = anyActive || report.facts.active != nil
            status = max(status, ExitPolicy.status(report, strict: output.strict))
            stream.add(report)
        }
        try stream.finish(errors: errors)
        if anyActive && output.textOnStdout { HibernationSummary.write(pageSize: simulation.effectivePageSize) }
        status = max(status, ExitPolicy.status(reports: [], errorCount: errors.count, strict: output.strict))
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}
