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
    case areas([ListedArea], errors: [ErrorLine], showReports: Bool)
    /// `probe`.
    case probes([ProbeReport], errors: [ErrorLine])
    /// `activate`, `deactivate`: what was done, after the reports the preflight made (text shows them
    /// only when `showReports`; a failed action's message goes to stderr, not here).
    case action(ActionRecord, reports: [Report], errors: [ErrorLine], showReports: Bool, failed: Bool)
    /// `hibernate`: the verdict on the hibernation chain.
    case hibernation(HibernationVerdict, errors: [ErrorLine])
}

/// One active area of /proc/swaps and its report (nil when it could not be inspected).
struct ListedArea {
    var entry: ProcSwapsEntry
    var report: Report?
}

/// Text for people or the JSON document for scripts.
enum OutputFormat {
    case text(TextRenderer)
    case json

    init(json: Bool, colour: Bool = isTerminal(), allExtents: Bool = false) {
        self = json ? .json : .text(TextRenderer(colour: colour, allExtents: allExtents))
    }
}

extension CommandOutput {
    /// The one place that chooses between text and JSON.
    func render(_ format: OutputFormat, into out: inout OutputBuffer) {
        switch format {
        case .json: JSONRenderer.render(self, into: &out)
        case .text(let renderer): renderer.render(self, into: &out)
        }
    }

    /// Renders to stdout.
    func write(_ format: OutputFormat) {
        var out = OutputBuffer(fd: 1)
        render(format, into: &out)
        out.flush()
    }
}

/// Colour only on a terminal, and never with NO_COLOR.
func isTerminal() -> Bool { isatty(1) == 1 && getenv("NO_COLOR") == nil }
