import ArgumentParser
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectLinux

/// `swapinspect`: predicts what the kernel will do with a swap area, and why.
public struct SwapInspectCommand: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "swapinspect",
        abstract: "Predict what the Linux kernel will do with a swap file or swap device, and why.",
        discussion: """
            Reads the swap header, maps the file's physical extents and simulates the kernel's swapon(2) \
            activation without activating anything. Exit status: 0 would activate, 1 would be refused (or \
            a warning under --strict), 2 could not inspect, 64 usage error.
            """,
        version: "swapinspect \(version) (libext2fs \(ImageLibraries.ext2fsVersion), libblkid \(ImageLibraries.blkidVersion))",
        subcommands: [Inspect.self],
        defaultSubcommand: Inspect.self
    )

    public init() {}
}

/// Exit statuses of the contract.
enum ExitStatus {
    static let ok: Int32 = 0
    static let findings: Int32 = 1
    static let cannotInspect: Int32 = 2
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    @Argument(help: ArgumentHelp("Swap files or swap block devices.", valueName: "path"), completion: .file())
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("missing PATH: name a swap file or swap device, e.g. swapinspect /swapfile") }
    }

    func run() throws {
        let options = InspectOptions(pageSize: simulation.effectivePageSize, model: simulation.model)
        let live = LiveOptions(mapper: simulation.mapper, sync: simulation.sync)
        var reports: [Report] = []
        var errors: [(path: String, message: String)] = []
        for path in paths {
            switch LiveArea.facts(for: path, options: live) {
            case .success(let facts):
                reports.append(Inspector.inspect(facts, options: options))
            case .failure(let error):
                errors.append((path, error.description))
                printError(error.description)
            }
        }
        emit(reports, errors: errors, output: output)
        let status = ExitPolicy.status(reports: reports, errorCount: errors.count, strict: output.strict)
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}

/// The worst status over all paths wins (cli-contract.md, Exit codes).
enum ExitPolicy {
    static func status(_ report: Report, strict: Bool) -> Int32 {
        if report.undetermined != nil { return ExitStatus.cannotInspect }
        switch report.worstSeverity {
        case .error: return ExitStatus.findings
        case .warning: return strict ? ExitStatus.findings : ExitStatus.ok
        default: return ExitStatus.ok
        }
    }

    static func status(reports: [Report], errorCount: Int, strict: Bool) -> Int32 {
        var worst = errorCount > 0 ? ExitStatus.cannotInspect : ExitStatus.ok
        for report in reports { worst = max(worst, status(report, strict: strict)) }
        return worst
    }
}

func printError(_ message: String) {
    var line = "swapinspect: \(message)\n"
    line.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
}

/// Rendering from the one data model: text or JSON, nothing else on stdout in JSON mode.
func emit(_ reports: [Report], errors: [(path: String, message: String)], output: OutputOptions) {
    var out = OutputBuffer(fd: 1)
    if output.json {
        JSONRenderer.render(reports, errors: errors, into: &out)
    } else {
        let colour = isatty(1) == 1 && getenv("NO_COLOR") == nil
        let renderer = TextRenderer(colour: colour, allExtents: output.extents)
        for (index, report) in reports.enumerated() {
            if index > 0 { out.newline() }
            renderer.render(report, into: &out)
        }
    }
    out.flush()
}
