import SwapInspectCore
import SwapInspectLinux

/// `activate --all`: every swap entry of an fstab, in file order, as `swapon -a` takes them: `noauto`
/// skipped, areas already active skipped, `pri=` and `discard[=once|pages]` passed, and with `nofail` a
/// failure is a warning (exit status 0 for that entry). Each entry is preflighted as `activate PATH` is.
enum FstabActivation {
    static let defaultFstab = "/etc/fstab"

    /// One outcome per swap entry, and the fstab's own errors (unreadable, unparsable lines: exit 2).
    static func run(fstab: String, template: ActivationRequest) -> (outcomes: [ActivationOutcome], errors: [ErrorLine]) {
        let text: String
        do {
            text = try FstabReader.read(fstab)
        } catch {
            printError(error.description)
            return ([], [(fstab, error.description)])
        }
        let parsed = FstabParser.parse(text)
        var errors: [ErrorLine] = []
        for error in parsed.errors {
            let message = "\(fstab): cannot parse line \(error.line): \(error.reason)"
            printError(message)
            errors.append((fstab, message))
        }
        let outcomes = parsed.entries.filter(\.isSwap).map { activate($0, fstab: fstab, template: template) }
        return (outcomes, errors)
    }

    static func activate(_ entry: FstabEntry, fstab: String, template: ActivationRequest) -> ActivationOutcome {
        var outcome: ActivationOutcome
        if entry.noauto {
            let record = ActionRecord(
                command: "activate", path: entry.spec, dryRun: template.dryRun, flags: entry.swapFlags.rawValue,
                message: "\(entry.spec): noauto: skipped, as swapon -a skips it")
            outcome = ActivationOutcome(record: record)
        } else if case .invalid = DeviceSpec.parse(entry.spec) {
            let message = "\(fstab): line \(entry.line): \(entry.spec) names neither a device, a tag nor an absolute path: swapon -a cannot use it"
            outcome = ActivationOutcome(
                record: ActionRecord(command: "activate", path: entry.spec, dryRun: template.dryRun, flags: entry.swapFlags.rawValue, message: message),
                status: ExitStatus.cannotInspect, failed: true)
        } else {
            var request = template
            request.argument = entry.spec
            request.flags = entry.swapFlags
            outcome = AreaActivation.run(request)
        }
        outcome.record.fstabLine = entry.line
        outcome.record.spec = entry.spec
        if outcome.failed && entry.nofail {
            // swapon -a: nofail entries report no error; the failure stays visible as a warning.
            outcome.record.message += " (nofail: ignored)"
            printError("warning: \(outcome.record.message)")
            outcome.record.notes.append("nofail: this failure does not count in the exit status")
            outcome.status = ExitStatus.ok
            outcome.failed = false
        } else if outcome.failed && !outcome.messagePrinted {
            printError(outcome.record.message)
        }
        return outcome
    }
}
