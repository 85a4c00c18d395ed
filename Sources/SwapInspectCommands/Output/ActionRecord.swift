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
    /// Set where the area's state changed without the action being performed: a reconcile whose
    /// swapoff(2) succeeded and whose swapon(2) did not. Otherwise `changed` is `performed`.
    var changedWithoutPerforming = false
    /// `--if-needed` on an active area: what differs from the request (empty: nothing); nil when no
    /// comparison was made.
    var drift: [DesiredState.Drift]?
    /// What could not be compared or was done besides (a reconcile's swapoff).
    var notes: [String] = []
    /// `activate --all`: the fstab entry this action is for (its line and first field).
    var fstabLine: Int?
    var spec: String?

    var changed: Bool { performed || changedWithoutPerforming }
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
