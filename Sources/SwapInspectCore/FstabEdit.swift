/// Adds or updates the fstab(5) entry of a swap file, keeping every other line byte for byte.
public enum FstabEdit {
    public enum Outcome: Sendable, Equatable {
        /// The entry is there as it should be: nothing to write.
        case unchanged(line: Int)
        /// The new contents, and the line (1-based) that was added or replaced.
        case changed([UInt8], line: Int, replaced: Bool)
        /// libmount would reject these lines: the file is reported, not rewritten.
        case malformed([FstabError])
    }

    /// `SPEC none swap defaults[,pri=N][,discard[=once|pages]] 0 0`, fields escaped as fstab wants them.
    public static func entryLine(spec: String, flags: SwapFlags) -> String {
        var options = ["defaults"]
        if let priority = flags.priority { options.append("pri=\(priority)") }
        switch flags.discardPolicy {
        case .all?: options.append("discard")
        case .once?: options.append("discard=once")
        case .pages?: options.append("discard=pages")
        case nil: break
        }
        return "\(escape(spec)) none swap \(options.joined(separator: ",")) 0 0"
    }

    /// The first swap entry whose source is `spec` is replaced with `line` unless it already reads
    /// so; without one, `line` is appended (after a newline the file lacked). Other lines, comments and
    /// blank lines are kept exactly, CR/LF included.
    public static func apply(_ contents: [UInt8], spec: String, line: String) -> Outcome {
        var lines = contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        // Line by line, split on bytes: a CRLF file's "\r\n" is one Character to String's split.
        var errors: [FstabError] = []
        var found: Int?
        for (index, bytes) in lines.enumerated() {
            let parsed = FstabParser.parse(String(decoding: bytes, as: UTF8.self))
            errors += parsed.errors.map { FstabError(line: index + 1, reason: $0.reason) }
            if found == nil, parsed.entries.contains(where: { $0.spec == spec && $0.isSwap }) { found = index }
        }
        if !errors.isEmpty { return .malformed(errors) }
        let newLine = Array(line.utf8)
        if let found {
            var old = lines[found]
            var carriageReturn = false
            if old.last == UInt8(ascii: "\r") {
                old.removeLast()
                carriageReturn = true
            }
            if old == newLine { return .unchanged(line: found + 1) }
            lines[found] = newLine + (carriageReturn ? [UInt8(ascii: "\r")] : [])
            return .changed(join(lines), line: found + 1, replaced: true)
        }
        // A file ending in a newline splits into a last empty piece: the entry goes before it.
        if lines.last == [] { lines.removeLast() }
        lines.append(newLine)
        return .changed(join(lines) + [UInt8(ascii: "\n")], line: lines.count, replaced: false)
    }

    static func join(_ lines: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, line) in lines.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "\n")) }
            out += line
        }
        return out
    }

    /// fstab's octal escapes for the characters that would split or end a field (libmount's
    /// `mangle`): space, tab, newline, backslash, and `#` at the start of a source.
    public static func escape(_ field: String) -> String {
        var out = ""
        for (index, scalar) in field.unicodeScalars.enumerated() {
            switch scalar {
            case " ": out += "\\040"
            case "\t": out += "\\011"
            case "\n": out += "\\012"
            case "\\": out += "\\134"
            case "#" where index == 0: out += "\\043"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
