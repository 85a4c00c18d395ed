import ArgumentParser
import SwapInspectCore
import SwapInspectLinux
import SystemPackage

/// `swapinspect activate`: the full inspect preflight, then swapon(2) only if the kernel would accept.
struct Activate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Preflight a swap area as 'inspect' does, then activate it with swapon(2).",
        discussion: """
            Refuses, with the reasons and exit status 1 and without calling swapon(2), whatever the kernel \
            would refuse or 'inspect' reports as an error. After activation, compares the kernel's size in \
            /proc/swaps and its 'Adding' line with the prediction. Needs CAP_SYS_ADMIN. --discard alone means \
            both discard policies (the kernel's default when SWAP_FLAG_DISCARD is given).
            """
    )

    // Unconditional: `--priority -1` is a value, not an option (swapon(8) takes it so).
    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp("Swap priority, 0 to 32767; -1 (as swapon's) is the kernel's automatic one, the default.", valueName: "n"))
    var priority: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Discard policy: --discard (all), --discard=once (the whole area at swapon) or --discard=pages (freed pages).",
            valueName: "policy"))
    var discard: DiscardPolicy?

    @Flag(name: .long, help: "Preflight only: do not call swapon(2).")
    var dryRun = false

    @Flag(name: .long, help: "An area that is already active is success, with no change.")
    var ifNeeded = false

    @Flag(name: .long, help: "Print one JSON document on stdout (schema version 1).")
    var json = false

    @OptionGroup var simulation: SimulationOptions

    @Argument(
        help: ArgumentHelp("The swap file or swap device to activate.", valueName: "path"),
        completion: .custom { _, _, prefix in AreaCompletions.swapLooking(prefix) })
    var path: String

    func validate() throws {
        if let priority, !(-1...SwapFlags.maxPriority).contains(priority) {
            throw ValidationError("--priority must be between -1 and \(SwapFlags.maxPriority) (got \(priority))")
        }
    }

    func run() throws {
        // swapon(2) takes a priority only as SWAP_FLAG_PREFER with 0…32767; without it the kernel picks one.
        let flags = SwapFlags(priority: priority.flatMap { $0 < 0 ? nil : $0 }, discard: discard)
        var record = ActionRecord(command: "activate", path: path, dryRun: dryRun, flags: flags.rawValue, message: "")
        if !dryRun && !SwapControl.hasSysAdmin {
            let message = "\(path): activate needs CAP_SYS_ADMIN: run as root (or use --dry-run for the preflight alone)"
            printError(message)
            record.message = message
            if json { emitAction(record, reports: [], errors: [(path, message)], json: true) }
            throw ExitCode(ExitStatus.cannotInspect)
        }
        let (reports, errors) = InspectionRun.inspect([path], simulation: simulation, swapFlags: flags)
        guard let report = reports.first else {
            record.message = errors.first?.message ?? "cannot inspect"
            if json { emitAction(record, reports: [], errors: errors, json: true) }
            throw ExitCode(ExitStatus.cannotInspect)
        }
        record.path = report.facts.path
        record.predictedKernelLog = report.activation?.ok == true ? report.kernelLog : nil
        record.predictedSizeKiB = report.predictedSizeKiB
        let done: (ActionRecord, Bool) -> Void = { record, quiet in
            emitAction(record, reports: reports, errors: errors, json: json, quietReport: quiet)
        }
        let failed: (ActionRecord, Bool, Int32) throws -> Never = { record, quiet, status in
            emitAction(record, reports: reports, errors: errors, json: json, quietReport: quiet, failed: true)
            throw ExitCode(status)
        }
        if try preflight(report, record: &record, done: done, failed: failed) {
            try activate(report, flags: flags, record: &record, done: done, failed: failed)
        }
    }

    /// Everything that decides before swapon(2): already active, undetermined, refused, a dry run.
    /// Returns whether swapon(2) is to be called.
    func preflight(
        _ report: Report, record: inout ActionRecord, done: (ActionRecord, Bool) -> Void,
        failed: (ActionRecord, Bool, Int32) throws -> Never
    ) throws -> Bool {
        let path = report.facts.path
        if let active = report.facts.active {
            guard ifNeeded else {
                record.message = "\(path): already active (priority \(active.priority)): swapon(2) would fail with EBUSY; use --if-needed to accept this"
                try failed(record, true, ExitStatus.findings)
            }
            record.alreadyInState = true
            record.kernelSizeKiB = active.sizeKiB
            record.message = "\(path): already active (priority \(active.priority), \(active.sizeKiB)k); nothing changed"
            done(record, true)
            return false
        }
        if let reason = report.undetermined {
            record.message = "\(path): not activating: the outcome cannot be predicted (\(reason))"
            try failed(record, false, ExitStatus.cannotInspect)
        }
        let blocking = report.findings.filter { $0.severity == .error }
        if !blocking.isEmpty {
            record.message = "\(path): refusing to call swapon(2): \(blocking.map { $0.code.rawValue }.joined(separator: ", "))"
            try failed(record, false, ExitStatus.findings)
        }
        if dryRun {
            record.message = "\(path): dry run: would call swapon(2) with flags 0x\(String(record.flags ?? 0, radix: 16)); expected: \(record.predictedKernelLog ?? "?")"
            done(record, false)
            if ExitPolicy.status(report, strict: false) != ExitStatus.ok { throw ExitCode(ExitStatus.findings) }
            return false
        }
        return true
    }

    /// swapon(2), then the kernel's line and /proc/swaps against the prediction.
    func activate(
        _ report: Report, flags: SwapFlags, record: inout ActionRecord, done: (ActionRecord, Bool) -> Void,
        failed: (ActionRecord, Bool, Int32) throws -> Never
    ) throws {
        let path = report.facts.path
        // util-linux swapon passes the canonical path; so do we, so the kernel line names it the same way.
        let outcome = SwapControl.swapon(path, flags: flags)
        record.kernelMessages = outcome.kernelMessages
        record.kernelLog = outcome.kernelMessages?.first { $0.hasPrefix("Adding ") }.map(trimTrailingSpace)
        if let errno = outcome.errno {
            record.errno = errno
            let said = outcome.kernelMessages.map { $0.isEmpty ? "the kernel logged nothing" : "the kernel says: " + $0.joined(separator: "; ") }
                ?? "the kernel log is not readable"
            record.message = "\(path): swapon failed: \(ErrnoName(errno).name) (\(errorText(errno))); \(said)"
            try failed(record, true, ExitStatus.findings)
        }
        record.performed = true
        record.kernelSizeKiB = SwapControl.activeEntry(for: path)?.sizeKiB
        let predictedLine = record.predictedKernelLog
        if record.matches == false {
            record.message = """
                \(path): activated, but the kernel disagrees with the prediction — the model is wrong, please report:
                  predicted: \(predictedLine ?? "?") (\(record.predictedSizeKiB.map { "\($0)k" } ?? "?"))
                  kernel:    \(record.kernelLog ?? "?") (/proc/swaps \(record.kernelSizeKiB.map { "\($0)k" } ?? "?"))
                """
            try failed(record, true, ExitStatus.findings)
        }
        record.message = "\(path): activated: \(record.kernelLog ?? predictedLine ?? "")"
        done(record, true)
    }
}

func trimTrailingSpace(_ text: String) -> String {
    var text = text
    while text.hasSuffix(" ") { text.removeLast() }
    return text
}
