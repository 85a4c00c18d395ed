import ArgumentParser
import Glibc
import SwapInspectCore
import SwapInspectLinux

/// A path that could not be handled and the one-line message about it (also written to stderr).
typealias ErrorLine = (path: String, message: String)

/// Everything a command shows, as one data model: `render` turns it into text or JSON.
enum CommandOutput {
    /// `inspect`, `image`: the reports and the paths that failed.
    case reports([Report], errors: [ErrorLine])
    /// `swapinspect` without a path while nothing is active: a hint for people, an empty document for scripts.
    case firstRun
    /// `list`: every active area, with its report where it could be inspected; text lists every report
    /// after the table when `showReports`.
    case areas([ListedArea], errors: [ErrorLine], showReports: Bool, table: ListTable = ListTable())
    /// `probe`, its field table laid out by `--output`, `--noheadings`, `--raw`.
    case probes([ProbeReport], errors: [ErrorLine], table: TableLayout<ProbeColumn> = TableLayout())
    /// `activate`, `deactivate`: what was done, after the reports the preflight made (text shows them
    /// only when `showReports`; a failed action's message goes to stderr, not here).
    case action(ActionRecord, reports: [Report], errors: [ErrorLine], showReports: Bool, failed: Bool)
    /// `activate --all`: one outcome per fstab swap entry, in file order, and the fstab's own errors.
    case actions([ActivationOutcome], errors: [ErrorLine])
    /// `hibernate`: the verdict on the hibernation chain.
    case hibernation(HibernationVerdict, errors: [ErrorLine])
}

/// One active area of /proc/swaps and its report (nil when it could not be inspected).
struct ListedArea {
    var entry: ProcSwapsEntry
    var report: Report?
}

/// The table of `list`: its columns and style, and sizes in bytes (`--bytes`) or as swapon's `128M`.
struct ListTable: Sendable {
    var layout = TableLayout<ListColumn>()
    var bytes = false
}

/// Text for people or the JSON document for scripts.
enum OutputFormat {
    case text(TextRenderer)
    case json
    /// The Prometheus text exposition format (`--format=prometheus`).
    case prometheus

    init(json: Bool, colour: Bool = ColorChoice.auto.enabled, allExtents: Bool = false) {
        self = json ? .json : .text(TextRenderer(colour: colour, allExtents: allExtents))
    }

    /// What `--json`, `--format`, `--color` and `--extents` ask for.
    init(_ options: OutputOptions, allExtents: Bool? = nil) {
        if options.wantsPrometheus {
            self = .prometheus
        } else {
            self.init(json: options.wantsJSON, colour: options.color.enabled, allExtents: allExtents ?? options.extents)
        }
    }
}

extension CommandOutput {
    /// The one place that chooses between text and JSON.
    func render(_ format: OutputFormat, into out: inout OutputBuffer) {
        switch format {
        case .json: JSONRenderer.render(self, into: &out)
        case .text(let renderer): renderer.render(self, into: &out)
        case .prometheus: PrometheusExposition.write(metricFamilies, into: &out)
        }
    }

    /// The metrics of the areas reported, or of the hibernation check (`--format=prometheus`).
    var metricFamilies: [MetricFamily] {
        let reports: [Report]
        let errorCount: Int
        switch self {
        case .reports(let all, let errors): (reports, errorCount) = (all, errors.count)
        case .areas(let areas, let errors, _, _): (reports, errorCount) = (areas.compactMap { $0.report }, errors.count)
        case .firstRun: (reports, errorCount) = ([], 0)
        case .probes(_, let errors, _): (reports, errorCount) = ([], errors.count)
        case .action(_, _, let errors, _, _): (reports, errorCount) = ([], errors.count)
        case .actions(_, let errors): (reports, errorCount) = ([], errors.count)
        case .hibernation(let verdict, let errors): return HibernationMetrics.families(verdict, errors: errors.count)
        }
        return AreaMetrics.families(reports.map { AreaMetrics($0) }, errors: errorCount)
    }

    /// Renders to stdout.
    func write(_ format: OutputFormat) {
        var out = OutputBuffer(fd: 1)
        render(format, into: &out)
        out.flush()
    }

    /// Renders to stdout, or atomically to `file` (`--output-file`); a file that cannot be written is
    /// one line on stderr and exit status 2.
    func write(_ format: OutputFormat, to file: String?) throws {
        guard let file else { return write(format) }
        var out = OutputBuffer(fd: nil)
        render(format, into: &out)
        try writeAtomically(out.bytes, to: file)
    }
}

func writeAtomically(_ bytes: [UInt8], to file: String) throws {
    do {
        // A hidden temporary file in the same directory (not ending in .prom, so that node_exporter's
        // textfile collector skips it), fsync, rename, fsync of the directory: never seen half-written.
        try AtomicFile.replace(file, with: bytes)
    } catch {
        printError(error.description)
        throw ExitCode(ExitStatus.cannotInspect)
    }
}

/// `--color=auto`: colour only on a terminal that can show it, and never with NO_COLOR (no-color.org).
func isTerminal() -> Bool {
    guard isatty(1) == 1, getenv("NO_COLOR") == nil else { return false }
    guard let term = getenv("TERM") else { return true }
    return String(cString: term) != "dumb"
}
