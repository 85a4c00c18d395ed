import ArgumentParser
import SwapInspectCore
import SwapInspectLinux
import SystemPackage

extension DiscardPolicy: ExpressibleByArgument {}

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

    var matches: Bool? {
        guard let predictedSizeKiB, let kernelSizeKiB else { return nil }
        return predictedSizeKiB == kernelSizeKiB && (kernelLog == nil || kernelLog == predictedKernelLog)
    }

    func render(_ json: inout JSONWriter) {
        json.key("action")
        json.beginObject()
        json.key("command"); json.string(command)
        json.key("path"); json.string(path)
        json.key("performed"); json.bool(performed)
        json.key("dryRun"); json.bool(dryRun)
        json.key("alreadyInState"); json.bool(alreadyInState)
        json.key("flags"); json.number(flags)
        json.key("errno"); json.string(errno.map { ErrnoName($0).name })
        json.key("kernelMessages")
        if let kernelMessages {
            json.beginArray()
            for message in kernelMessages { json.string(message) }
            json.endArray()
        } else {
            json.null()
        }
        json.key("predictedKernelLog"); json.string(predictedKernelLog)
        json.key("kernelLog"); json.string(kernelLog)
        json.key("predictedSizeKiB"); json.number(predictedSizeKiB)
        json.key("kernelSizeKiB"); json.number(kernelSizeKiB)
        json.key("match")
        if let matches { json.bool(matches) } else { json.null() }
        json.key("message"); json.string(message)
        json.endObject()
    }
}

/// Prints the reports (unless `quietReport`) and the outcome. A failed action's message is an error:
/// it goes to stderr as one line, in text and JSON mode alike, and not to stdout.
func emitAction(
    _ record: ActionRecord, reports: [Report], errors: [(path: String, message: String)], json: Bool,
    quietReport: Bool = false, failed: Bool = false
) {
    if failed { printError(record.message) }
    var out = OutputBuffer(fd: 1)
    if json {
        JSONRenderer.render(reports, errors: errors, into: &out) { record.render(&$0) }
    } else {
        if !quietReport {
            let renderer = TextRenderer(colour: isTerminal(), allExtents: false)
            for report in reports {
                renderer.render(report, into: &out)
                out.newline()
            }
        }
        if !failed {
            out.write(record.message)
            out.newline()
        }
    }
    out.flush()
}

/// `swapinspect activate`: the full inspect preflight, then swapon(2) only if the kernel would accept.
struct Activate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Preflight a swap area as 'inspect' does, then activate it with swapon(2).",
        discussion: """
            Refuses, with the reasons and exit status 1 and without calling swapon(2), whatever the kernel \
            would refuse or 'inspect' reports as an error. After activation, compares the kernel's size in \
            /proc/swaps and its 'Adding' line with the prediction. Needs CAP_SYS_ADMIN. --discard alone means \
            both discard policies (the kernel's default when SWAP_FLAG_DISCARD is given).
            """
    )

    @Option(name: .long, help: ArgumentHelp("Swap priority, 0 to 32767 (default: the kernel's automatic one).", valueName: "n"))
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

    @Argument(help: ArgumentHelp("The swap file or swap device to activate.", valueName: "path"), completion: .file())
    var path: String

    func validate() throws {
        if let priority, !(0...SwapFlags.maxPriority).contains(priority) {
            throw ValidationError("--priority must be between 0 and \(SwapFlags.maxPriority) (got \(priority))")
        }
    }

    func run() throws {
        let flags = SwapFlags(priority: priority, discard: discard)
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
        let predictedLine = report.activation?.ok == true ? report.kernelLog : nil
        record.path = report.facts.path
        record.predictedKernelLog = predictedLine
        if let activation = report.activation, activation.ok {
            record.predictedSizeKiB = activation.pages * UInt64(report.pageSize / 1024)
        }

        if let active = report.facts.active {
            if ifNeeded {
                record.alreadyInState = true
                record.kernelSizeKiB = active.sizeKiB
                record.message = "\(report.facts.path): already active (priority \(active.priority), \(active.sizeKiB)k); nothing changed"
                emitAction(record, reports: reports, errors: errors, json: json, quietReport: true)
                return
            }
            let message = "\(report.facts.path): already active (priority \(active.priority)): swapon(2) would fail with EBUSY; use --if-needed to accept this"
            record.message = message
            emitAction(record, reports: reports, errors: errors, json: json, quietReport: true, failed: true)
            throw ExitCode(ExitStatus.findings)
        }
        if let reason = report.undetermined {
            record.message = "\(report.facts.path): not activating: the outcome cannot be predicted (\(reason))"
            emitAction(record, reports: reports, errors: errors, json: json, failed: true)
            throw ExitCode(ExitStatus.cannotInspect)
        }
        let blocking = report.findings.filter { $0.severity == .error }
        if !blocking.isEmpty {
            let reasons = blocking.map { $0.code.rawValue }.joined(separator: ", ")
            record.message = "\(report.facts.path): refusing to call swapon(2): \(reasons)"
            emitAction(record, reports: reports, errors: errors, json: json, failed: true)
            throw ExitCode(ExitStatus.findings)
        }
        if dryRun {
            record.message = "\(report.facts.path): dry run: would call swapon(2) with flags 0x\(String(flags.rawValue, radix: 16)); expected: \(predictedLine ?? "?")"
            emitAction(record, reports: reports, errors: errors, json: json)
            if ExitPolicy.status(report, strict: false) != ExitStatus.ok { throw ExitCode(ExitStatus.findings) }
            return
        }

        // util-linux swapon passes the canonical path; so do we, so the kernel line names it the same way.
        let outcome = SwapControl.swapon(report.facts.path, flags: flags)
        record.kernelMessages = outcome.kernelMessages
        record.kernelLog = outcome.kernelMessages?.first { $0.hasPrefix("Adding ") }.map(trimTrailingSpace)
        if let errno = outcome.errno {
            record.errno = errno
            let said = outcome.kernelMessages.map { $0.isEmpty ? "the kernel logged nothing" : "the kernel says: " + $0.joined(separator: "; ") }
                ?? "the kernel log is not readable"
            record.message = "\(report.facts.path): swapon failed: \(ErrnoName(errno).name) (\(errorText(errno))); \(said)"
            emitAction(record, reports: reports, errors: errors, json: json, quietReport: true, failed: true)
            throw ExitCode(ExitStatus.findings)
        }
        record.performed = true
        record.kernelSizeKiB = SwapControl.activeEntry(for: report.facts.path)?.sizeKiB
        if record.matches == false {
            record.message = """
                \(report.facts.path): activated, but the kernel disagrees with the prediction — the model is wrong, please report:
                  predicted: \(predictedLine ?? "?") (\(record.predictedSizeKiB.map { "\($0)k" } ?? "?"))
                  kernel:    \(record.kernelLog ?? "?") (/proc/swaps \(record.kernelSizeKiB.map { "\($0)k" } ?? "?"))
                """
            emitAction(record, reports: reports, errors: errors, json: json, quietReport: true, failed: true)
            throw ExitCode(ExitStatus.findings)
        }
        record.message = "\(report.facts.path): activated: \(record.kernelLog ?? predictedLine ?? "")"
        emitAction(record, reports: reports, errors: errors, json: json, quietReport: true)
    }
}

/// `swapinspect deactivate`: swapoff(2) with clear errors.
struct Deactivate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deactivate a swap area with swapoff(2).",
        discussion: "Needs CAP_SYS_ADMIN. ENOMEM means memory cannot take the swapped-out pages back."
    )

    @Flag(name: .long, help: "An area that is not active is success, with no change.")
    var ifNeeded = false

    @Flag(name: .long, help: "Print one JSON document on stdout (schema version 1).")
    var json = false

    @Argument(help: ArgumentHelp("The active swap file or swap device.", valueName: "path"), completion: .file())
    var path: String

    func run() throws {
        var record = ActionRecord(command: "deactivate", path: path, message: "")
        guard let entry = SwapControl.activeEntry(for: path) else {
            if ifNeeded {
                record.alreadyInState = true
                record.message = "\(path): not active; nothing changed"
                emitAction(record, reports: [], errors: [], json: json)
                return
            }
            record.message = "\(path): not an active swap area (not in /proc/swaps)"
            emitAction(record, reports: [], errors: [(path, record.message)], json: json, quietReport: true, failed: true)
            throw ExitCode(ExitStatus.findings)
        }
        record.path = entry.name
        guard SwapControl.hasSysAdmin else {
            record.message = "\(path): deactivate needs CAP_SYS_ADMIN: run as root"
            printError(record.message)
            if json { emitAction(record, reports: [], errors: [(path, record.message)], json: true) }
            throw ExitCode(ExitStatus.cannotInspect)
        }
        let outcome = SwapControl.swapoff(path)
        record.kernelMessages = outcome.kernelMessages
        if let errno = outcome.errno {
            record.errno = errno
            let reason: String
            switch errno {
            case .noMemory: reason = "not enough memory to take the swapped-out pages back (\(entry.usedKiB)k in use)"
            case .notPermitted: reason = "needs CAP_SYS_ADMIN"
            case .invalidArgument: reason = "not an active swap area"
            default: reason = errorText(errno)
            }
            record.message = "\(path): swapoff failed: \(ErrnoName(errno).name): \(reason)"
            emitAction(record, reports: [], errors: [(path, record.message)], json: json, quietReport: true, failed: true)
            throw ExitCode(ExitStatus.findings)
        }
        record.performed = true
        record.message = "\(entry.name): deactivated (\(entry.sizeKiB)k, priority \(entry.priority))"
        emitAction(record, reports: [], errors: [], json: json)
    }
}

func trimTrailingSpace(_ text: String) -> String {
    var text = text
    while text.hasSuffix(" ") { text.removeLast() }
    return text
}
