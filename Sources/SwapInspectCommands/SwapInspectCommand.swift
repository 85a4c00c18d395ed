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
        subcommands: [Inspect.self, Image.self, List.self, Probe.self, Activate.self, Deactivate.self],
        defaultSubcommand: Inspect.self
    )

    public init() {}

    /// `--discard` takes an optional value (`--discard`, `--discard=once`): a bare one means all.
    public static func main() {
        let arguments = CommandLine.arguments.dropFirst().map { $0 == "--discard" ? "--discard=all" : $0 }
        main(Array(arguments))
    }
}

func isTerminal() -> Bool { isatty(1) == 1 && getenv("NO_COLOR") == nil }

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
        let errors = InspectionRun.inspect(paths, simulation: simulation) { report in
            status = max(status, ExitPolicy.status(report, strict: output.strict))
            stream.add(report)
        }
        stream.finish(errors: errors)
        status = max(status, ExitPolicy.status(reports: [], errorCount: errors.count, strict: output.strict))
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}

/// Inspecting live paths, shared by every command that inspects.
enum InspectionRun {
    static func inspect(
        _ paths: [String], simulation: SimulationOptions, swapFlags: SwapFlags = SwapFlags()
    ) -> (reports: [Report], errors: [(path: String, message: String)]) {
        var reports: [Report] = []
        let errors = inspect(paths, simulation: simulation, swapFlags: swapFlags) { reports.append($0) }
        return (reports, errors)
    }

    /// Each report handed to `body` as soon as it is made, in path order; the paths that could not be
    /// inspected are returned (their one-line errors are on stderr already).
    static func inspect(
        _ paths: [String], simulation: SimulationOptions, swapFlags: SwapFlags = SwapFlags(), _ body: (Report) -> Void
    ) -> [(path: String, message: String)] {
        let options = InspectOptions(pageSize: simulation.effectivePageSize, model: simulation.model, swapFlags: swapFlags)
        let live = LiveOptions(mapper: simulation.mapper, sync: simulation.sync)
        var errors: [(path: String, message: String)] = []
        for path in paths {
            do {
                let facts = try LiveArea.facts(for: path, options: live)
                let report = Inspector.inspect(facts, options: options)
                // Exit 2 always comes with its one-line reason on stderr (man page, EXIT STATUS).
                if let reason = report.undetermined { printError("\(path): cannot predict: \(reason)") }
                body(report)
            } catch {
                errors.append((path, error.description))
                printError(error.description)
            }
        }
        return errors
    }
}

/// `swapinspect` with no path: the active areas when there are some, else a hint. A first run always
/// shows something useful.
enum FirstRun {
    static func run(output: OutputOptions, simulation: SimulationOptions) throws {
        if !SwapControl.activeAreas().isEmpty {
            try List.show(output: output, simulation: simulation)
            return
        }
        if output.json {
            emit([], errors: [], output: output)
            return
        }
        var out = OutputBuffer(fd: 1)
        out.write(
            """
            No swap area is active. Inspect one before activating it:
              swapinspect /swapfile              what the kernel would do with it, and why
              swapinspect probe /dev/sdb2        signature and header only
              swapinspect activate /swapfile     preflight, then swapon(2)
              swapinspect --help                 everything else

            """)
        out.flush()
    }
}

/// The worst status over all paths wins (man page, EXIT STATUS).
enum ExitPolicy {
    static func status(_ report: Report, strict: Bool) -> Int32 {
        status(findings: report.findings, undetermined: report.undetermined != nil, strict: strict)
    }

    static func status(findings: [Finding], undetermined: Bool, strict: Bool) -> Int32 {
        if undetermined { return ExitStatus.cannotInspect }
        switch findings.map(\.severity).max() {
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
    var stream = ReportStream(output: output)
    for report in reports { stream.add(report) }
    stream.finish(errors: errors)
}

/// Reports rendered to stdout one at a time, as text or as the contract's JSON document (whose `reports`
/// array stays open until `finish`).
struct ReportStream {
    private var json: JSONWriter?
    private var text: OutputBuffer?
    private let renderer: TextRenderer
    private var count = 0

    init(output: OutputOptions) {
        renderer = TextRenderer(colour: isTerminal(), allExtents: output.extents)
        if output.json {
            var writer = JSONWriter(out: OutputBuffer(fd: 1))
            JSONRenderer.beginReports(&writer)
            json = writer
        } else {
            text = OutputBuffer(fd: 1)
        }
    }

    mutating func add(_ report: Report) {
        // Moved out and back (`take`), so the buffer is never shared and copied on write.
        if var writer = json.take() {
            JSONRenderer.render(report, &writer)
            json = writer
        } else if var out = text.take() {
            if count > 0 { out.newline() }
            renderer.render(report, into: &out)
            text = out
        }
        count += 1
    }

    mutating func finish(errors: [(path: String, message: String)]) {
        if var writer = json.take() {
            JSONRenderer.endReports(errors: errors, &writer)
            writer.out.flush()
        } else if var out = text.take() {
            out.flush()
        }
    }
}
