import Glibc
import SwapInspectCore

/// An XFS file system read in user space with xfsprogs' `xfs_db -r` (read-only, never mounted):
/// the superblock's geometry, path lookup, the inode core, the data fork's extents with their
/// unwritten state (`bmap -d`), and the refcount btree for extents a reflinked inode shares.
final class XFSDatabase {
    let tool: String
    /// What xfs_db opens: the file system by itself (an image file, or a qemu export of its partition).
    let device: String
    /// The area as messages name it.
    let name: String
    private(set) var blockSize = 0
    private(set) var agBlocks: UInt64 = 0
    private(set) var agCount = 0
    private(set) var uuid: String?
    private(set) var label: String?
    /// `readLogState`, asked once per file system (only when a swap file is audited).
    private(set) lazy var logState: LogState = readLogState()

    private init(tool: String, device: String, name: String) {
        self.tool = tool
        self.device = device
        self.name = name
    }

    static func open(device: String, name: String) throws(AreaError) -> XFSDatabase {
        guard let tool = ChildProcess.find("xfs_db") else {
            throw AreaError(path: name, operation: "cannot read XFS offline", reason: "xfs_db is not installed (Debian: apt install xfsprogs)")
        }
        let database = XFSDatabase(tool: tool, device: device, name: name)
        let values = try database.fields(database.run(["sb 0", "print blocksize agblocks agcount uuid fname"]))
        guard let size = values["blocksize"].flatMap({ Int($0) }), size > 0,
            let blocks = values["agblocks"].flatMap({ UInt64($0) }), blocks > 0,
            let count = values["agcount"].flatMap({ Int($0) }), count > 0
        else { throw AreaError(path: name, operation: "not a readable XFS file system (xfs_db)", reason: "no superblock geometry") }
        database.blockSize = size
        database.agBlocks = blocks
        database.agCount = count
        database.uuid = values["uuid"]
        // `fname = "\000\000…"`: xfs_db escapes the NULs of an unset label.
        let fname = (values["fname"].map { $0.trimmingCharacters(of: "\"") } ?? "").replacingAll("\\000", with: "")
        database.label = fname.isEmpty ? nil : fname
        return database
    }

    /// `xfs_db -r -c C…` on the device; its output lines. A failure to open is the first error line.
    func run(_ commands: [String]) throws(AreaError) -> [Substring] {
        let outcome = try ChildProcess.run(tool, ["-r"] + commands.flatMap { ["-c", $0] } + [device])
        if outcome.timedOut {
            throw AreaError(path: name, operation: "xfs_db did not finish", reason: "stopped after \(ChildProcess.runSeconds) s")
        }
        let text = String(decoding: outcome.output, as: UTF8.self)
        guard outcome.status == 0 || !text.isEmpty else {
            let reason = outcome.firstErrorLine.isEmpty ? "xfs_db exited with status \(outcome.status)" : outcome.firstErrorLine
            throw AreaError(path: name, operation: "not a readable XFS file system (xfs_db)", reason: Self.strip(reason, device: device))
        }
        return text.split(separator: "\n")
    }

    /// xfs_db's messages name the device it opened (a temporary export): drop that prefix.
    static func strip(_ line: String, device: String) -> String {
        var line = Substring(line)
        for prefix in ["xfs_db: ", "\(device): "] where line.hasPrefix(prefix) { line = line.dropFirst(prefix.count) }
        return String(line)
    }

    /// `name = value` lines as a dictionary.
    func fields(_ lines: [Substring]) -> [String: String] {
        var values: [String: String] = [:]
        for line in lines {
            guard let equals = line.firstRange(of: " = ") else { continue }
            values[String(line[..<equals.lowerBound])] = String(line[equals.upperBound...])
        }
        return values
    }

    /// The byte offset inside the file system of block `agbno` of allocation group `agno`
    /// (XFS_FSB_TO_DADDR: AGs are laid out one after the other, agblocks each).
    func byteOffset(ag: UInt64, block: UInt64) -> UInt64 { (ag * agBlocks + block) * UInt64(blockSize) }
}

extension Substring {
    /// The first occurrence of `needle`.
    func firstRange(of needle: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
            index = self.index(after: index)
        }
        return nil
    }
}

extension String {
    func replacingAll(_ needle: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: needle) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    func trimmingCharacters(of character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}

extension XFSDatabase {
    /// Whether the log holds changes the kernel replays at mount (xlog_find_tail: head ≠ tail, what
    /// xfs_repair -n and xfs_db's sb_logcheck call a dirty log): `xfs_db -r` reads the metadata as
    /// written and replays nothing, so a dirty log can hide the swap file's newest inode and extents.
    /// `xfs_logprint -t` prints `log tail: T head: H state: <DIRTY>` before any record: it is stopped
    /// after its first 4 KiB, so a large log costs no more than a clean one.
    enum LogState: Equatable {
        case clean
        /// The finding's message.
        case dirty(String)
        /// Why the state is not known (a note: never said to be dirty or clean).
        case unknown(String)
    }

    func readLogState() -> LogState {
        guard let tool = ChildProcess.find("xfs_logprint") else {
            return .unknown("xfs_logprint is not installed (Debian: apt install xfsprogs): whether the log needs recovery is not known")
        }
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.run(tool, ["-t", device], limit: 4096)
        } catch {
            return .unknown("xfs_logprint could not run (\(error.reason)): whether the log needs recovery is not known")
        }
        let text = String(decoding: outcome.output, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("state: <") }) else {
            let why = outcome.firstErrorLine.isEmpty ? "no log state in its output" : Self.strip(outcome.firstErrorLine, device: device)
            return .unknown("xfs_logprint cannot read the log (\(why)): whether it needs recovery is not known")
        }
        guard line.contains("<DIRTY>") else { return .clean }
        // `log tail: 14 head: 18`
        let position = line.split(separator: " ").prefix(5).joined(separator: " ")
        return .dirty("the XFS log needs recovery (\(position): a dirty log): the kernel replays it when it mounts \(name), before swapon, and what it replays may change this file's inode and extents; this verdict is that of the metadata as written (mount the file system once to replay the log, and audit again)")
    }
}
