import ArgumentParser
import SwapInspectCore
import SwapInspectLinux

/// `swapinspect deactivate`: swapoff(2) with clear errors.
struct Deactivate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deactivate",
        abstract: "Deactivate a swap area with swapoff(2).",
        discussion: """
            Needs CAP_SYS_ADMIN. ENOMEM means memory cannot take the swapped-out pages back. A path that does \
            not exist is an error (exit status 2), with --if-needed too.
            """
    )

    @Flag(name: .long, help: "An existing area that is not active is success, with no change.")
    var ifNeeded = false

    @Flag(name: [.customShort("J"), .long], help: "Print one JSON document on stdout (schema version 1).")
    var json = false

    @Argument(
        help: ArgumentHelp("The active swap file or swap device.", valueName: "path"),
        completion: .custom { _, _, prefix in AreaCompletions.activeAreas(prefix) })
    var path: String

    func run() throws {
        var record = ActionRecord(command: "deactivate", path: path, message: "")
        let device: String
        switch AreaArgument.resolve(path) {
        case .success(let area): device = area.path
        case .failure(let missing):
            record.message = missing.message
            emitAction(record, reports: [], errors: [(path, record.message)], json: json, quietReport: true, failed: true)
            throw ExitCode(ExitStatus.cannotInspect)
        }
        // swapoff(2) resolves the name like open(2): a path that does not exist names nothing, active or
        // not, and that is an error even with --if-needed (a typo must not pass as "already off").
        if let missing = SwapControl.missing(device) {
            record.message = missing.description
            emitAction(record, reports: [], errors: [(path, record.message)], json: json, quietReport: true, failed: true)
            throw ExitCode(ExitStatus.cannotInspect)
        }
        guard let entry = SwapControl.activeEntry(for: device) else {
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
        let outcome = SwapControl.swapoff(device)
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
