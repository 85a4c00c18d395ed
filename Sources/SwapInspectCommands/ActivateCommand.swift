import ArgumentParser
import SwapInspectCore
import SwapInspectLinux

/// `swapinspect activate`: the full inspect preflight, then swapon(2) only if the kernel would accept;
/// with --if-needed the desired state (an active area compared, --reconcile), with --all every fstab entry.
struct Activate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Preflight a swap area as 'inspect' does, then activate it with swapon(2).",
        discussion: """
            Writes the file's dirty data back first (fsync, as swapon(2) does before it maps a file), then \
            refuses, with the reasons and exit status 1 and without calling swapon(2), whatever the kernel \
            would refuse or 'inspect' reports as an error. After activation, compares the kernel's size in \
            /proc/swaps and its 'Adding' line with the prediction. Needs CAP_SYS_ADMIN. --discard alone means \
            both discard policies (the kernel's default when SWAP_FLAG_DISCARD is given).
            """
    )

    @OptionGroup var swapFlags: SwapFlagOptions

    @Flag(name: .long, help: "Preflight only: do not call swapon(2).")
    var dryRun = false

    @Flag(name: .long, help: "An active area with the requested priority and discard policy is success, with no change; one that differs is drift (exit 1).")
    var ifNeeded = false

    @Flag(name: .long, help: "With --if-needed: swap a drifted area off and on again with the requested settings, when memory can take its used pages.")
    var reconcile = false

    @Flag(name: .long, help: "Warnings also refuse the activation (exit status 1).")
    var strict = false

    @Flag(name: .long, help: "Activate every swap entry of the fstab with its options, as swapon -a (noauto skipped, nofail, pri=, discard).")
    var all = false

    @Option(name: .long, help: ArgumentHelp("With --all: the fstab to read (default: /etc/fstab).", valueName: "file"), completion: .file())
    var fstab: String?

    @Flag(name: [.customShort("J"), .long], help: "Print one JSON document on stdout (schema version 1).")
    var json = false

    @OptionGroup var simulation: SimulationOptions

    @Argument(
        help: ArgumentHelp("The swap file or swap device to activate (not with --all).", valueName: "path"),
        completion: .custom { _, _, prefix in AreaCompletions.swapLooking(prefix) })
    var path: String?

    func validate() throws {
        if reconcile && !ifNeeded { throw ValidationError("--reconcile needs --if-needed") }
        if all {
            if path != nil { throw ValidationError("--all takes no path: the areas are the fstab's swap entries") }
            if !swapFlags.isEmpty {
                throw ValidationError("--all takes each entry's priority and discard policy from its fstab options (pri=, discard)")
            }
        } else {
            if path == nil { throw ValidationError("Missing expected argument '<path>' (or --all)") }
            if fstab != nil { throw ValidationError("--fstab is only read with --all") }
        }
    }

    func run() throws {
        var request = ActivationRequest(
            argument: path ?? "", flags: swapFlags.flags, dryRun: dryRun, ifNeeded: ifNeeded,
            reconcile: reconcile, strict: strict, simulation: simulation)
        if all {
            request.skipActive = true
            let (outcomes, errors) = FstabActivation.run(fstab: fstab ?? FstabActivation.defaultFstab, template: request)
            CommandOutput.actions(outcomes, errors: errors).write(OutputFormat(json: json))
            let worst = outcomes.map(\.status).max() ?? ExitStatus.ok
            let status = errors.isEmpty ? worst : max(worst, ExitStatus.cannotInspect)
            if status != ExitStatus.ok { throw ExitCode(status) }
            return
        }
        let outcome = AreaActivation.run(request)
        if outcome.failed && !outcome.messagePrinted { printError(outcome.record.message) }
        CommandOutput.action(
            outcome.record, reports: outcome.reports, errors: outcome.errors, showReports: outcome.showReport, failed: outcome.failed
        ).write(OutputFormat(json: json))
        if outcome.status != ExitStatus.ok { throw ExitCode(outcome.status) }
    }
}
