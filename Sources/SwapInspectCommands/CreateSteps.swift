import Glibc
import SwapInspectCore
import SwapInspectLinux
import SystemPackage

extension CreateRun {
    /// What the target holds decides: nothing, an area to keep (`--if-missing`), one to replace
    /// (`--force`, never an active one), or a refusal.
    func judge(_ target: CreateTarget) throws -> Existing {
        guard let existing = target.existing else { return .missing }
        let path = target.path
        if existing.isSymlink { throw Failure("\(path): is a symbolic link: name the file itself", errno: .fileExists) }
        if !existing.isRegular { throw Failure("\(path): exists and is not a regular file", errno: .fileExists) }
        let report: Report
        do {
            report = try inspect(path)
        } catch {
            guard command.force, existing.active == nil else { throw Failure(error, status: ExitStatus.cannotInspect) }
            return .replace(uuid: nil, label: nil)
        }
        let header = report.header?.kind == .swapV1 ? report.header : nil
        if matches(report, active: existing.active), command.ifMissing { return .unchanged(report) }
        if let active = existing.active {
            throw Failure(
                "\(path): refusing to replace an active swap area (\(FindingCode.inUse.rawValue), priority \(active.priority), \(active.sizeKiB)k): swapoff it first",
                errno: .resourceBusy)
        }
        guard command.force else {
            let what = matches(report, active: nil) ? "a swap area of the requested size" : "an area that differs from the request (\(summary(report)))"
            throw Failure(
                "\(path): exists: \(what); --force recreates it, --if-missing accepts an area of the requested size that would activate",
                errno: .fileExists)
        }
        return .replace(uuid: header?.uuid, label: header?.label)
    }

    /// The requested size, page size and (when given) identity, and the kernel would take it.
    func matches(_ report: Report, active: ProcSwapsEntry?) -> Bool {
        // The usable pages, not last_page: a file grown for unaligned blocks declares more.
        guard let header = report.header, header.kind == .swapV1, header.pageSize == size.pageSize else { return false }
        if let uuid = command.uuid, header.uuid?.lowercased() != uuid.lowercased() { return false }
        if let label = command.label, header.label != label { return false }
        if let active { return active.sizeKiB == size.usableKiB }
        guard let activation = report.activation, activation.ok, activation.pages == size.usablePages else { return false }
        return !report.findings.contains { $0.severity == .error }
    }

    func summary(_ report: Report) -> String {
        if let activation = report.activation, activation.ok { return "\(activation.pages) usable pages of \(report.pageSize) bytes" }
        if let finding = report.activation?.refusal?.finding ?? report.findings.first(where: { $0.severity == .error }) {
            return "the kernel would refuse it: \(finding.code.rawValue)"
        }
        return report.undetermined.map { "cannot predict: \($0)" } ?? "not an area of the requested size"
    }

    /// Rounds of growing a file whose allocation loses pages before giving up.
    static let growRounds = 4

    /// The file under a temporary name, filled, synced and inspected; renamed only if it would activate
    /// with every requested page. Where blocks smaller than a page leave pages unaligned (the iomap path
    /// drops them), the file grows by the pages lost, a few rounds at most. Returns the report of the
    /// file under its final name.
    mutating func make(_ target: CreateTarget, strategy: CreateStrategy, uuid: String?, label: String?, replace: Bool) throws -> Report {
        let identity = uuid.flatMap(SwapUUID.parse) ?? SwapUUID.version4((0..<16).map { _ in UInt8.random(in: 0...255) })
        let file: TemporarySwapFile
        do {
            (file, removedStale) = try TemporarySwapFile.create(for: target)
        } catch {
            throw Failure(error, status: ExitStatus.findings)
        }
        defer { file.remove() }
        var used = strategy
        var fileSize = size
        var filled: UInt64 = 0
        var proven: AreaFacts?
        for round in 0...Self.growRounds {
            let header = SwapHeaderWriter.page(pageSize: fileSize.pageSize, pages: fileSize.pages, uuid: identity, label: label)
            do {
                used = try file.fill(used, size: fileSize, header: header, from: filled)
            } catch {
                throw Failure(error, status: ExitStatus.findings)
            }
            filled = fileSize.bytes
            let (lost, facts) = try prove(file, pages: fileSize, lastRound: round == Self.growRounds)
            proven = facts
            if lost == 0 { break }
            fileSize.pages += lost
        }
        record.created = CreatedFile(strategy: used, sizeBytes: fileSize.bytes, pages: fileSize.pages, usableKiB: size.usableKiB, pageSize: size.pageSize, uuid: "")
        if replace, let active = SwapControl.activeEntry(for: target.path) {
            throw Failure("\(target.path): became active meanwhile (\(FindingCode.inUse.rawValue), priority \(active.priority)): not replaced", errno: .resourceBusy)
        }
        do {
            try file.commit(replace: replace)
        } catch {
            throw Failure(error, status: ExitStatus.findings)
        }
        // The same inode under its final name: the facts stand, only the name the kernel prints changes.
        guard var facts = proven else { return try inspectFinal(target.path) }
        facts.path = target.path
        return Inspector.inspect(facts, options: options)
    }

    func inspectFinal(_ path: String) throws -> Report {
        do {
            return try inspect(path)
        } catch {
            throw Failure(error, status: ExitStatus.findings)
        }
    }

    /// The model on the temporary file of `pages`: 0 when the kernel would add every requested page,
    /// else the pages short (to grow by), or the reason it is not handed over.
    func prove(_ file: TemporarySwapFile, pages: CreateSize, lastRound: Bool) throws -> (lost: UInt64, facts: AreaFacts) {
        let report: Report
        do {
            report = try inspect(file.path)
        } catch {
            throw Failure(error, status: ExitStatus.cannotInspect)
        }
        let path = file.target.path
        if let reason = report.undetermined {
            throw Failure("\(path): not created: the new file's activation cannot be predicted (\(reason))", status: ExitStatus.cannotInspect)
        }
        guard let activation = report.activation, activation.ok else {
            let finding = report.activation?.refusal?.finding
            throw Failure(
                "\(path): not created: the kernel would refuse the new file (\(finding?.code.rawValue ?? "refused")): \(finding?.message ?? report.kernelLog ?? "")",
                errno: report.activation?.refusal?.errno)
        }
        if let blocking = report.findings.first(where: { $0.severity == .error }) {
            throw Failure("\(path): not created: \(blocking.code.rawValue): \(blocking.message)")
        }
        guard activation.pages < size.usablePages else { return (0, report.facts) }
        let lost = pages.usablePages - activation.pages
        if lastRound {
            throw Failure(
                "\(path): not created: the allocation loses \(lost) of \(pages.usablePages) pages (blocks of \(file.target.site.blockSize) bytes not aligned to \(size.pageSize)-byte pages: misaligned-pages), even after growing the file \(Self.growRounds) times")
        }
        return (size.usablePages - activation.pages, report.facts)
    }

    /// libmount would reject the file: reported, nothing is created or rewritten. Returns the entry line.
    func checkFstab(_ target: CreateTarget) throws -> String? {
        guard let file = command.fstab else { return nil }
        let line = FstabEdit.entryLine(spec: target.path, flags: command.flags)
        let contents: [UInt8]
        do {
            contents = try AtomicFile.read(file) ?? []
        } catch {
            throw Failure(error, status: ExitStatus.cannotInspect)
        }
        if case .malformed(let problems) = FstabEdit.apply(contents, spec: target.path, line: line) {
            let first = problems[0]
            throw Failure("\(file): line \(first.line): \(first.reason): not rewritten (\(problems.count) malformed line\(problems.count == 1 ? "" : "s"))", errno: .invalidArgument)
        }
        return line
    }

    func applyFstab(_ file: String, spec: String, line: String) throws -> FstabChange {
        do {
            let contents = try AtomicFile.read(file) ?? []
            switch FstabEdit.apply(contents, spec: spec, line: line) {
            case .unchanged(let number):
                return FstabChange(file: file, entry: line, line: number, changed: false)
            case .changed(let new, let number, _):
                try AtomicFile.replace(file, with: new)
                return FstabChange(file: file, entry: line, line: number, changed: true)
            case .malformed(let problems):
                throw Failure("\(file): line \(problems[0].line): \(problems[0].reason): not rewritten", errno: .invalidArgument)
            }
        } catch let error as AreaError {
            throw Failure(error, status: ExitStatus.findings)
        }
    }
}
