internal import CSwapInspectImage
import Glibc
import SwapInspectCore

/// btrfs-progs' `btrfs inspect-internal dump-super` and `dump-tree` on an unmounted file system (an
/// image file, or the qemu export of its partition), run as ChildProcess runs its tools: limited, in
/// their own process group, killed with swapinspect. dump-tree's output is parsed as it streams, so
/// the extent tree of a large file system is never held whole.
struct BtrfsProgs {
    let tool: String
    let device: String
    /// The area as messages name it.
    let name: String
    /// Wall-clock limit of one dump: the extent tree of a large file system takes a while.
    static let dumpSeconds: UInt32 = 600

    static func locate(device: String, name: String) throws(AreaError) -> BtrfsProgs {
        guard let tool = ChildProcess.find("btrfs") else {
            throw AreaError(path: name, operation: "cannot read btrfs offline", reason: "btrfs is not installed (Debian: apt install btrfs-progs)")
        }
        return BtrfsProgs(tool: tool, device: device, name: name)
    }

    /// `dump-super`'s `name value` lines.
    func superblock() throws(AreaError) -> [String: String] {
        let outcome = try ChildProcess.run(tool, ["inspect-internal", "dump-super", device], limit: 1 << 20)
        guard outcome.succeeded else { throw failure("dump-super", outcome.timedOut, outcome.status, outcome.errors) }
        var values: [String: String] = [:]
        for line in String(decoding: outcome.output, as: UTF8.self).split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard words.count >= 2, !line.hasPrefix("\t") else { continue }
            values[String(words[0])] = words[1...].joined(separator: " ")
        }
        return values
    }

    /// A tree block's `checksum verify failed on X wanted … found …` lines in one dump: one per copy
    /// dump-tree tried (read_tree_block tries every mirror), so fewer than the block's copies means it
    /// read a sound one, as the kernel does.
    struct ChecksumFailures {
        var count = 0
        /// dump-tree's line and the dump it came from, for the error when no copy was sound.
        var line: String
        var tree: String
    }

    /// `dump-tree --hide-names -t TREE`, every item `wants` selects. Anything dump-tree writes to its
    /// standard error (a checksum or read error, a corrupt block it skipped) makes the dump unsound,
    /// but its checksum failures, which are handed to `failures` for the caller to weigh against the
    /// copies each block has (`BtrfsOffline.settle`).
    func dump(
        tree: String, failures: inout [UInt64: ChecksumFailures],
        wants: @escaping (BtrfsKey) -> Bool, observe: ((BtrfsDumpItem) -> Void)? = nil
    ) throws(AreaError) -> BtrfsDumpParser {
        var parser = BtrfsDumpParser(wants: wants, observe: observe)
        var splitter = LineSplitter()
        var problem: BtrfsDumpProblem?
        let arguments = ["inspect-internal", "dump-tree", "--hide-names", "-t", tree, device]
        let outcome = try stream(arguments) { bytes in
            do throws(BtrfsDumpProblem) {
                try splitter.feed(bytes) { (line) throws(BtrfsDumpProblem) in try parser.consume(line) }
                return true
            } catch {
                problem = error
                return false
            }
        }
        // The parser's own objection first: it stopped dump-tree.
        let (errors, failed) = Self.significant(outcome.errors, device: device)
        for (block, line) in failed {
            failures[block, default: ChecksumFailures(line: Escapes.visible(line), tree: tree)].count += 1
        }
        if problem == nil, outcome.timedOut || outcome.status != 0 || !errors.isEmpty {
            // In dump-tree's order: a checksum failure is usually the first line, and the cause of the rest.
            let all = failed.isEmpty ? errors : Self.significant(outcome.errors, device: device, keepingChecksumFailures: true).errors
            throw failure("dump-tree -t \(tree)", outcome.timedOut, outcome.status, all)
        }
        do throws(BtrfsDumpProblem) {
            if let problem { throw problem }
            try splitter.finish { (line) throws(BtrfsDumpProblem) in try parser.consume(line) }
            try parser.finish()
        } catch {
            throw AreaError(path: name, operation: "cannot trust the dump of tree \(tree) (dump-tree)", reason: error.reason)
        }
        return parser
    }

    /// dump-tree's standard error without the one line it prints and then ignores (a qemu export is a
    /// FUSE mount point over a file, which its argument check, check_arg_type, calls neither a block
    /// device nor a regular file before it opens and reads it all the same), and without its checksum
    /// failures (`checksum verify failed on X wanted … found …`), which are returned, one per line.
    static func significant(
        _ errors: [UInt8], device: String, keepingChecksumFailures: Bool = false
    ) -> (errors: [UInt8], checksumFailures: [(block: UInt64, line: String)]) {
        let ignored = "ERROR: not a block device or regular file: \(device)"
        let lines = String(decoding: errors, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        let failures = lines.compactMap { line in checksumFailure(line).map { (block: $0, line: String(line)) } }
        let kept = lines.filter { $0 != ignored && (keepingChecksumFailures || checksumFailure($0) == nil) }
        return (kept.count == lines.count ? errors : Array(kept.joined(separator: "\n").utf8), failures)
    }

    /// The tree block of disk-io.c's `checksum verify failed on %llu wanted %s found %s`.
    static func checksumFailure(_ line: Substring) -> UInt64? {
        let prefix = "checksum verify failed on "
        guard line.hasPrefix(prefix) else { return nil }
        let words = line.dropFirst(prefix.count).split(separator: " ")
        guard words.count == 5, words[1] == "wanted", words[3] == "found" else { return nil }
        return UInt64(words[0])
    }

    /// One line for a tool that failed: its first error line (dump-tree's own words) or its status.
    func failure(_ what: String, _ timedOut: Bool, _ status: Int32, _ errors: [UInt8]) -> AreaError {
        if timedOut {
            return AreaError(path: name, operation: "\(what) did not finish", reason: "stopped after \(Self.dumpSeconds) s")
        }
        let lines = String(decoding: errors, as: UTF8.self).split(separator: "\n").map { (line: Substring) -> String in
            String(line).replacingAll("\(device): ", with: "").trimmingCharacters(of: " ")
        }.filter { !$0.isEmpty }
        let reason = lines.first.map { Escapes.visible($0) + (lines.count > 1 ? " (and \(lines.count - 1) more lines)" : "") }
        return AreaError(
            path: name, operation: "not a readable btrfs file system (btrfs inspect-internal \(what))",
            reason: reason ?? "exited with status \(status)")
    }

    /// Runs the tool, handing its standard output on in pieces; `accept` returning false stops it (and
    /// its status is then 0: what it printed was enough).
    func stream(_ arguments: [String], accept: (ArraySlice<UInt8>) -> Bool) throws(AreaError) -> ChildProcess.Streamed {
        var streamed = try ChildProcess.stream(tool, arguments, seconds: Self.dumpSeconds, accept: accept)
        if streamed.stopped { streamed.status = 0 }
        return streamed
    }
}
