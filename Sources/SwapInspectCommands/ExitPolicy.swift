import Glibc
import SwapInspectCore

/// The exit statuses of the man page (EXIT STATUS); they never change.
enum ExitStatus {
    static let ok: Int32 = 0
    static let findings: Int32 = 1
    static let cannotInspect: Int32 = 2
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

/// `swapinspect: MESSAGE` on stderr, one line.
func printError(_ message: String) {
    var line = "swapinspect: \(Escapes.visible(message))\n"
    line.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
}
