import ArgumentParser
import SwapInspectCore
import SwapInspectImage
import SwapInspectLinux

/// `swapinspect probe`: signature and header only, through libblkid and our own parser side by side.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Look at the signature and header of files, devices or images (libblkid and swapinspect side by side).",
        discussion: """
            Reports TYPE, VERSION, UUID, LABEL, byte order, page size and last_page as libblkid and as \
            swapinspect's own parser see them, validates the header for the simulated page size, and reports \
            where the two disagree (for example a 32K-page header that blkid sees and swapon on a 4K-page \
            kernel does not).
            """
    )

    @Flag(name: [.customShort("J"), .long], help: "Print one JSON document on stdout (schema version 1).")
    var json = false

    @Flag(name: .long, help: "Warnings also make the exit status 1.")
    var strict = false

    @OptionGroup var page: PageSizeOption

    @OptionGroup var table: TableOptions<ProbeColumn>

    @Argument(help: ArgumentHelp("Files, block devices or images.", valueName: "path"), completion: .file())
    var paths: [String]

    func run() throws {
        let simulatedPageSize = page.effective
        var results: [ProbeReport] = []
        var errors: [ErrorLine] = []
        for path in paths {
            guard let argument = AreaArgument.resolve(path, recordingErrorsIn: &errors) else { continue }
            do {
                var report = try ReadOnlyArea.with(argument.path) { area in Self.probe(area, pageSize: simulatedPageSize) }
                if argument.isTag { report.spec = argument.spec }
                results.append(report)
            } catch {
                errors.append((path, error.description))
                printError(error.description)
            }
        }
        CommandOutput.probes(results, errors: errors, table: table.layout).write(OutputFormat(json: json))
        var status = errors.isEmpty ? ExitStatus.ok : ExitStatus.cannotInspect
        for result in results {
            status = max(status, ExitPolicy.status(findings: result.findings, undetermined: false, strict: strict))
        }
        if status != ExitStatus.ok { throw ExitCode(status) }
    }

    static func probe(_ area: ReadOnlyArea, pageSize: Int) -> ProbeReport {
        let blkid = area.kind == .other ? BlkidAnswer.nothing : BlkidProbe.probe(fd: area.descriptor)
        var report = SignatureProbe.probe(
            path: area.canonicalPath, kind: area.kind, size: area.size, headerBytes: area.headerBytes, blkid: blkid,
            pageSize: pageSize)
        if report.findings.proposeRewrite {
            report.findings.withholdRewrites(
                of: report.path, kind: report.kind, InspectionRun.contents(path: report.path, kind: report.kind))
        }
        return report
    }
}
