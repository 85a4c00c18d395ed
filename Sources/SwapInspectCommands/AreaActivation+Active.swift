import SwapInspectCore
import SwapInspectLinux

/// An area that is active already: EBUSY, skipped (`--all`), or compared with the request
/// (`--if-needed`) and on drift reported or, with `--reconcile`, swapped off and on again.
extension AreaActivation {
    mutating func compareActive(_ report: Report, active: ProcSwapsEntry) {
        let path = report.facts.path
        outcome.record.kernelSizeKiB = active.sizeKiB
        if request.skipActive && !request.ifNeeded {
            outcome.record.alreadyInState = true
            return succeed("\(path): already active (priority \(active.priority)): skipped, as swapon -a skips it")
        }
        guard request.ifNeeded else {
            return fail(
                "\(path): already active (priority \(active.priority)): swapon(2) would fail with EBUSY; use --if-needed to accept this",
                ExitStatus.findings)
        }
        let discard = activeDiscard(active)
        let (drift, notes) = DesiredState.compare(
            active: active, discard: discard, requested: request.flags, deviceSupportsDiscard: report.facts.supportsDiscard)
        outcome.record.drift = drift
        outcome.record.notes += notes
        let warnings = report.findings.filter { $0.severity == .warning }
        if request.strict && !warnings.isEmpty {
            return fail("\(path): active, but --strict and: \(codes(warnings))", ExitStatus.findings)
        }
        guard drift.isEmpty else {
            let differences = drift.map { "\($0.setting) is \($0.active), requested \($0.requested)" }.joined(separator: "; ")
            guard request.reconcile else {
                return fail("\(path): active, but drifted: \(differences) (--reconcile swaps it off and on again with the requested settings)", ExitStatus.findings)
            }
            return reconcile(report, active: active, discard: discard, differences: differences)
        }
        outcome.record.alreadyInState = true
        succeed("\(path): already active (priority \(active.priority), \(active.sizeKiB)k) as requested; nothing changed")
    }

    /// The area's discard policy from the `Adding` line of its activation, while the kernel log has it.
    func activeDiscard(_ active: ProcSwapsEntry) -> DesiredState.ActiveDiscard {
        guard request.flags.discardPolicy != nil, let messages = SwapControl.kernelLogSinceBoot(),
            let line = DesiredState.lastAddingLine(in: messages, name: active.name, sizeKiB: active.sizeKiB, priority: active.priority)
        else { return .unknown }
        return DesiredState.discard(ofAddingLine: line)
    }

    /// swapoff(2) when memory can take the area's used pages back, then the ordinary preflight and
    /// swapon(2) with the requested settings on the now inactive area; if that fails, the area is put back
    /// with its old priority (and discard policy, where known).
    mutating func reconcile(_ report: Report, active: ProcSwapsEntry, discard: DesiredState.ActiveDiscard, differences: String) {
        let path = report.facts.path
        // Nothing is swapped off that the preflight would not let back on.
        let blocking = report.findings.filter { $0.severity == .error }
        if report.undetermined != nil || !blocking.isEmpty {
            let why = report.undetermined ?? codes(blocking)
            return fail("\(path): drifted (\(differences)), but not reconciling: it could not be activated again (\(why))", ExitStatus.findings, showReport: true)
        }
        if request.dryRun {
            return succeed("\(path): dry run: drifted (\(differences)); would swap it off and on again with flags 0x\(String(request.flags.rawValue, radix: 16))")
        }
        guard let available = SwapControl.memoryAvailableKiB() else {
            return fail("\(path): cannot reconcile: MemAvailable is not readable in /proc/meminfo", ExitStatus.cannotInspect)
        }
        guard active.usedKiB <= available else {
            return fail(
                "\(path): cannot reconcile (\(differences)): swapoff would bring back \(active.usedKiB)k of used swap, but MemAvailable is \(available)k (\(active.usedKiB - available)k missing)",
                ExitStatus.findings)
        }
        let off = SwapControl.swapoff(path)
        outcome.record.kernelMessages = off.kernelMessages
        if let errno = off.errno {
            outcome.record.errno = errno
            return fail("\(path): cannot reconcile (\(differences)): swapoff failed: \(ErrnoName(errno).name) (\(errorText(errno))); the area is unchanged", ExitStatus.findings)
        }
        outcome.record.notes.append("swapped off to reconcile (\(differences)), \(active.usedKiB)k in use, MemAvailable \(available)k")
        reactivate(path, active: active, discard: discard)
    }

    /// The second half of a reconcile: a fresh preflight of the inactive area, swapon(2), and on failure
    /// the old settings restored.
    mutating func reactivate(_ path: String, active: ProcSwapsEntry, discard: DesiredState.ActiveDiscard) {
        let (reports, errors) = InspectionRun.inspect([path], simulation: request.simulation, swapFlags: request.flags)
        outcome.reports = reports
        outcome.errors = errors
        if let fresh = reports.first {
            outcome.record.predictedKernelLog = fresh.activation?.ok == true ? fresh.kernelLog : nil
            outcome.record.predictedSizeKiB = fresh.predictedSizeKiB
            if preflight(fresh) { activate(fresh) }
        } else {
            fail("\(path): swapped off to reconcile, but cannot inspect it again", ExitStatus.cannotInspect)
        }
        guard !outcome.record.performed else { return }
        outcome.record.changedWithoutPerforming = true
        var old = SwapFlags(priority: active.priority >= 0 ? active.priority : nil)
        if case .logged(let policy) = discard { old.discardPolicy = policy }
        let restore = SwapControl.swapon(path, flags: old)
        outcome.record.kernelMessages = (outcome.record.kernelMessages ?? []) + (restore.kernelMessages ?? [])
        let restored = restore.errno.map { "restoring its old settings failed too (\(ErrnoName($0).name)): the area is now inactive" }
            ?? "restored with its old priority\(active.priority >= 0 ? " \(active.priority)" : " (automatic)")"
        outcome.record.message += "; \(restored)"
    }
}
