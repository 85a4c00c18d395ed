import ArgumentParser
import SwapInspectCore
import SwapInspectLinux
import SystemPackage

/// What one activation asks for: `activate PATH`, or one fstab entry of `activate --all`.
struct ActivationRequest {
    var argument: String
    var flags: SwapFlags
    var dryRun = false
    var ifNeeded = false
    var reconcile = false
    var strict = false
    /// `--all`: an entry that is active already is skipped, as `swapon -a` skips it (unless `ifNeeded`
    /// compares it with the entry's options).
    var skipActive = false
    var simulation: SimulationOptions
}

/// What one activation did: the record, the preflight's reports and errors, the exit status, and how
/// text shows it (the full reports, or only their warnings; a failed outcome's message on stderr).
struct ActivationOutcome {
    var record: ActionRecord
    var reports: [Report] = []
    var errors: [ErrorLine] = []
    var status: Int32 = ExitStatus.ok
    var showReport = false
    var failed = false
    /// The failure's one line is on stderr already (the preflight's own error).
    var messagePrinted = false
}

/// One activation, as `swapon(8)` would do it but preflighted: write back the file's dirty data (as
/// swapon(2) does first), inspect, compare an active area with the request, refuse what the kernel or
/// the policy would refuse, call swapon(2) and check the kernel's answer against the prediction.
struct AreaActivation {
    var request: ActivationRequest
    var outcome: ActivationOutcome

    init(_ request: ActivationRequest) {
        self.request = request
        outcome = ActivationOutcome(
            record: ActionRecord(
                command: "activate", path: request.argument, dryRun: request.dryRun, flags: request.flags.rawValue, message: ""))
    }

    static func run(_ request: ActivationRequest) -> ActivationOutcome {
        var activation = AreaActivation(request)
        activation.run()
        return activation.outcome
    }

    mutating func run() {
        let path = request.argument
        if !request.dryRun && !SwapControl.hasSysAdmin {
            return fail("\(path): activate needs CAP_SYS_ADMIN: run as root (or use --dry-run for the preflight alone)", ExitStatus.cannotInspect)
        }
        guard let report = inspect() else { return }
        outcome.record.path = report.facts.path
        outcome.record.predictedKernelLog = report.activation?.ok == true ? report.kernelLog : nil
        outcome.record.predictedSizeKiB = report.predictedSizeKiB
        if let active = report.facts.active {
            return compareActive(report, active: active)
        }
        guard preflight(report) else { return }
        activate(report)
    }

    /// The area's dirty data written back (swapon(2) fsyncs before it maps, so delayed allocation is no
    /// reason to refuse), then inspected with the flags that will be passed. nil after a failure.
    mutating func inspect() -> Report? {
        if case .success(let area) = AreaArgument.resolve(request.argument), let errno = SwapControl.flush(area.path) {
            fail(
                "\(area.path): cannot write back its dirty data (fsync): \(ErrnoName(errno).name) (\(errorText(errno))); swapon(2) would fail the same way",
                ExitStatus.cannotInspect)
            return nil
        }
        let (reports, errors) = InspectionRun.inspect([request.argument], simulation: request.simulation, swapFlags: request.flags)
        outcome.reports = reports
        outcome.errors = errors
        guard let report = reports.first else {
            // The one-line reason is on stderr already.
            outcome.record.message = errors.first?.message ?? "\(request.argument): cannot inspect"
            outcome.status = ExitStatus.cannotInspect
            outcome.failed = true
            outcome.messagePrinted = true
            return nil
        }
        return report
    }

    /// Everything that decides before swapon(2) on an inactive area: undetermined, refused, warnings
    /// under --strict, a dry run. Returns whether swapon(2) is to be called.
    mutating func preflight(_ report: Report) -> Bool {
        let path = report.facts.path
        if let reason = report.undetermined {
            fail("\(path): not activating: the outcome cannot be predicted (\(reason))", ExitStatus.cannotInspect, showReport: true)
            return false
        }
        let blocking = report.findings.filter { $0.severity == .error }
        if !blocking.isEmpty {
            fail("\(path): refusing to call swapon(2): \(codes(blocking))", ExitStatus.findings, showReport: true)
            return false
        }
        let warnings = report.findings.filter { $0.severity == .warning }
        if request.strict && !warnings.isEmpty {
            fail("\(path): refusing to call swapon(2) under --strict: \(codes(warnings))", ExitStatus.findings, showReport: true)
            return false
        }
        if request.dryRun {
            let flags = String(outcome.record.flags ?? 0, radix: 16)
            succeed("\(path): dry run: would call swapon(2) with flags 0x\(flags); expected: \(outcome.record.predictedKernelLog ?? "?")")
            outcome.showReport = true
            return false
        }
        return true
    }

    /// swapon(2), then the kernel's line and /proc/swaps against the prediction.
    mutating func activate(_ report: Report) {
        let path = report.facts.path
        // util-linux swapon passes the canonical path; so do we, so the kernel line names it the same way.
        let call = SwapControl.swapon(path, flags: request.flags)
        let record = outcome.record
        outcome.record.kernelMessages = (record.kernelMessages ?? []) + (call.kernelMessages ?? [])
        if call.kernelMessages == nil && record.kernelMessages == nil { outcome.record.kernelMessages = nil }
        // The line naming this area: another swapon at the same moment (systemd at boot, a second
        // activate) logs its own `Adding` line into the same window of the log.
        outcome.record.kernelLog = call.kernelMessages?.first { $0.hasPrefix("Adding ") && $0.contains(" swap on \(path).") }.map(trimTrailingSpace)
        if let errno = call.errno {
            outcome.record.errno = errno
            let said = call.kernelMessages.map { $0.isEmpty ? "the kernel logged nothing" : "the kernel says: " + $0.joined(separator: "; ") }
                ?? "the kernel log is not readable"
            return fail("\(path): swapon failed: \(ErrnoName(errno).name) (\(errorText(errno))); \(said)", ExitStatus.findings)
        }
        outcome.record.performed = true
        outcome.record.kernelSizeKiB = SwapControl.activeEntry(for: path)?.sizeKiB
        if outcome.record.matches == false {
            let record = outcome.record
            return fail(
                """
                \(path): activated, but the kernel disagrees with the prediction — the model is wrong, please report:
                  predicted: \(record.predictedKernelLog ?? "?") (\(record.predictedSizeKiB.map { "\($0)k" } ?? "?"))
                  kernel:    \(record.kernelLog ?? "?") (/proc/swaps \(record.kernelSizeKiB.map { "\($0)k" } ?? "?"))
                """, ExitStatus.findings)
        }
        succeed("\(path): activated: \(outcome.record.kernelLog ?? outcome.record.predictedKernelLog ?? "")")
    }

    mutating func succeed(_ message: String) {
        outcome.record.message = message
        outcome.status = ExitStatus.ok
        outcome.failed = false
    }

    mutating func fail(_ message: String, _ status: Int32, showReport: Bool = false) {
        outcome.record.message = message
        outcome.status = status
        outcome.failed = true
        outcome.showReport = showReport
    }

    func codes(_ findings: [Finding]) -> String { findings.map { $0.code.rawValue }.joined(separator: ", ") }
}

func trimTrailingSpace(_ text: String) -> String {
    var text = text
    while text.hasSuffix(" ") { text.removeLast() }
    return text
}
