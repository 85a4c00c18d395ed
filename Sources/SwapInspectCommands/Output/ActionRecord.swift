import SwapInspectCore
import SwapInspectLinux
import SystemPackage

/// What `activate`/`deactivate` did, for text and JSON.
struct ActionRecord {
    var command: String
    var path: String
    var performed = false
    var dryRun = false
    var alreadyInState = false
    var flags: Int32?
    var errno: Errno?
    var kernelMessages: [String]?
    var predictedKernelLog: String?
    var kernelLog: String?
    var predictedSizeKiB: UInt64?
    var kernelSizeKiB: UInt64?
    var message: String
    /// `create`: the file, and the fstab entry.
    var created: CreatedFile?
    var fstab: FstabChange?

    var matches: Bool? {
        guard let predictedSizeKiB, let kernelSizeKiB else { return nil }
        return predictedSizeKiB == kernelSizeKiB && (kernelLog == nil || kernelLog == predictedKernelLog)
    }
}

/// Prints the outcome of an action, after the reports of its preflight (unless `quietReport`). A failed
/// action's message is an error: it goes to stderr as one line, in text and JSON mode alike, and not to stdout.
func emitAction(
    _ record: ActionRecord, reports: [Report], errors: [ErrorLine], json: Bool,
    quietReport: Bool = false, failed: Bool = false
) {
    if failed { printError(record.message) }
    CommandOutput.action(record, reports: reports, errors: errors, showReports: !quietReport, failed: failed)
        .write(OutputFormat(json: json))
}
