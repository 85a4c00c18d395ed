import SwapInspectCore
import SwapInspectLinux
import SystemPackage

/// One `create`, step by step: survey, judge what is there, plan, make under a temporary name, prove,
/// rename, fstab. Everything that decides is the core's (`CreatePlanner`, `Inspector`, `FstabEdit`).
struct CreateRun {
    struct Failure: Error {
        var message: String
        var status: Int32
        var errno: Errno?

        init(_ message: String, status: Int32 = ExitStatus.findings, errno: ErrnoName? = nil) {
            self.message = message
            self.status = status
            self.errno = errno.flatMap(CreateRun.errno)
        }

        init(_ error: AreaError, status: Int32) {
            self.init(error.description, status: status, errno: error.errno)
        }
    }

    /// What is at the target before anything is done.
    enum Existing {
        case missing
        /// An area of the requested size that would activate (or is active): nothing to do.
        case unchanged(Report)
        /// Recreate (`--force`), with the identity of its header.
        case replace(uuid: String?, label: String?)
    }

    let command: Create
    let size: CreateSize
    var record: ActionRecord
    var reports: [Report] = []
    var errors: [ErrorLine] = []

    init(command: Create, size: CreateSize) {
        self.command = command
        self.size = size
        record = ActionRecord(command: "create", path: command.path, dryRun: command.dryRun, flags: command.flags.rawValue, message: "")
    }

    var options: InspectOptions { InspectOptions(pageSize: size.pageSize, swapFlags: command.flags) }

    mutating func perform() throws {
        if !command.dryRun && !SwapControl.hasSysAdmin {
            throw Failure("\(command.path): create needs root (CAP_SYS_ADMIN, and a file owned by root:0); --dry-run decides without it", status: ExitStatus.cannotInspect)
        }
        let target: CreateTarget
        do {
            target = try CreateTarget.survey(command.path)
        } catch {
            throw Failure(error, status: ExitStatus.cannotInspect)
        }
        record.path = target.path
        let existing = try judge(target)
        let fstabLine = try checkFstab(target)
        if case .unchanged(let report) = existing {
            reports = [report]
            record.alreadyInState = true
            record.created = describe(report, strategy: nil, replaced: false)
            record.predictedKernelLog = report.activation?.ok == true ? report.kernelLog : nil
            record.predictedSizeKiB = report.predictedSizeKiB
            record.message = "\(target.path): already a swap area of \(size.pages) pages of \(size.pageSize) bytes that would activate; nothing changed"
            try finish(target, fstabLine: fstabLine, madeFile: false)
            return
        }
        let strategy: CreateStrategy
        switch CreatePlanner.plan(target.site) {
        case .success(let chosen): strategy = chosen
        case .failure(let refusal):
            throw Failure("\(target.path): refusing to create (\(refusal.code.rawValue)): \(refusal.reason)", errno: refusal.errno)
        }
        var uuid = command.uuid, label = command.label
        if case .replace(let oldUUID, let oldLabel) = existing {
            uuid = uuid ?? oldUUID
            label = label ?? oldLabel
        }
        if command.dryRun {
            let verb = target.existing == nil ? "create" : "replace"
            record.message = "\(target.path): dry run: would \(verb) \(size.bytes) bytes (\(size.pages) pages of \(size.pageSize) bytes, \(size.usableKiB)k usable) by \(strategy.rawValue)\(uuid.map { ", UUID \($0)" } ?? "")\(label.map { ", label \($0)" } ?? "")"
            emitAction(record, reports: [], errors: [], json: command.json, quietReport: true)
            return
        }
        let replacing = target.existing != nil
        let report = try make(target, strategy: strategy, uuid: uuid, label: label, replace: replacing)
        reports = [report]
        let made = record.created
        let usedStrategy = made?.strategy ?? strategy
        record.created = describe(report, strategy: usedStrategy, replaced: replacing)
        record.created?.removedStale = removedStale
        record.predictedKernelLog = report.activation?.ok == true ? report.kernelLog : nil
        record.predictedSizeKiB = report.predictedSizeKiB
        let pages = made?.pages ?? size.pages
        let grown = pages > size.pages
            ? " (grown by \(pages - size.pages) pages: blocks of \(target.site.blockSize) bytes left some pages unaligned)" : ""
        record.message = "\(target.path): created: \(pages * UInt64(size.pageSize)) bytes, \(pages) pages of \(size.pageSize) bytes\(grown), by \(usedStrategy.rawValue); expected: \(record.predictedKernelLog ?? "?")"
        try finish(target, fstabLine: fstabLine, madeFile: true)
    }

    /// Temporary files of killed runs removed by `make`.
    var removedStale: [String] = []

    /// The fstab entry, then the output.
    mutating func finish(_ target: CreateTarget, fstabLine: String?, madeFile: Bool) throws {
        if let fstabLine, let file = command.fstab {
            let change = try applyFstab(file, spec: target.path, line: fstabLine)
            record.fstab = change
            let how = change.changed ? (change.line.map { "line \($0) written" } ?? "written") : "unchanged"
            record.message += "; \(file): \(how): \(fstabLine)"
        }
        record.performed = madeFile || record.fstab?.changed == true
        emitAction(record, reports: reports, errors: errors, json: command.json)
    }

    func describe(_ report: Report, strategy: CreateStrategy?, replaced: Bool) -> CreatedFile {
        let header = report.header
        return CreatedFile(
            strategy: strategy, sizeBytes: report.facts.size, pages: header?.lastPage.map { UInt64($0) + 1 } ?? size.pages, usableKiB: size.usableKiB, pageSize: size.pageSize,
            uuid: header?.uuid ?? "", label: header?.label, replaced: replaced)
    }

    /// The live report of `path` at the requested page size, with the flags `activate` would pass.
    func inspect(_ path: String) throws(AreaError) -> Report {
        Inspector.inspect(try LiveArea.facts(for: path), options: options)
    }

    /// ErrnoName back to the errno number (for the JSON `errno`).
    static func errno(_ name: ErrnoName) -> Errno? {
        if case .other(let number) = name { return Errno(rawValue: number) }
        return (1...200).lazy.map { Errno(rawValue: $0) }.first { ErrnoName($0) == name }
    }
}
