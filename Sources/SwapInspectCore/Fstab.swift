/// One entry of an fstab(5) file, fields unescaped (`\040` → space) as libmount does.
public struct FstabEntry: Sendable, Equatable {
    /// 1-based line number in the file.
    public var line: Int
    public var spec: String
    public var file: String
    public var type: String?
    public var options: [String]
    public var freq: Int?
    public var passno: Int?

    public init(
        line: Int, spec: String, file: String, type: String?, options: [String] = [], freq: Int? = nil,
        passno: Int? = nil
    ) {
        self.line = line
        self.spec = spec
        self.file = file
        self.type = type
        self.options = options
        self.freq = freq
        self.passno = passno
    }

    public var isSwap: Bool { type == "swap" }

    /// `pri=N` (swapon -a passes it to swapon(2) as SWAP_FLAG_PREFER).
    public var priority: Int? {
        for option in options where option.hasPrefix("pri=") { return Int(option.dropFirst(4)) }
        return nil
    }

    public var noauto: Bool { options.contains("noauto") }
}

/// A line libmount would reject (`mnt_parse_table_line`): where and why.
public struct FstabError: Sendable, Equatable {
    public var line: Int
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}

public enum FstabParser {
    /// Parses fstab text. Blank lines and `#` comments are skipped; SOURCE and TARGET are required,
    /// TYPE and OPTIONS are optional, FREQ and PASSNO must be numbers when present (libmount's rules);
    /// anything after PASSNO (a trailing comment) is ignored.
    public static func parse(_ text: String) -> (entries: [FstabEntry], errors: [FstabError]) {
        var entries: [FstabEntry] = []
        var errors: [FstabError] = []
        var number = 0
        // Bytes, not Characters: "\r\n" is one Character, so a String split on "\n" would make a CRLF
        // file one line (and " " followed by a combining mark is one Character, not a separator).
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            let raws = lineFields(rawLine)
            guard let raw = raws.first, raw.first != UInt8(ascii: "#") else { continue }
            let first = unescape(raw)
            guard raws.count >= 2 else {
                errors.append(FstabError(line: number, reason: "only one field (\(first)): an entry needs at least a source and a mount point"))
                continue
            }
            let fields = raws.map(unescape)
            var entry = FstabEntry(
                line: number, spec: fields[0], file: fields[1], type: fields.count > 2 ? fields[2] : nil,
                options: fields.count > 3 ? fields[3].split(separator: ",").map(String.init) : [])
            if fields.count > 4 {
                guard let freq = Int(fields[4]), freq >= 0 else {
                    errors.append(FstabError(line: number, reason: "the fifth field (dump frequency) is not a number: \(fields[4])"))
                    continue
                }
                entry.freq = freq
            }
            if fields.count > 5 {
                guard let passno = Int(fields[5]), passno >= 0 else {
                    errors.append(FstabError(line: number, reason: "the sixth field (fsck pass) is not a number: \(fields[5])"))
                    continue
                }
                entry.passno = passno
            }
            entries.append(entry)
        }
        return (entries, errors)
    }

    /// The fields of one line (without its "\n"), still escaped, as libmount's `mnt_table_parse_next` and
    /// `mnt_parse_table_line` cut them: one "\r" at the end of the line is part of the line ending and is
    /// removed (`if (s > pa->buf && *(s - 1) == '\r')`, also on a last line without "\n"), so a CRLF
    /// fstab reads as an LF one. Only that one: fields are separated by space and tab alone
    /// (`skip_separator`, `skip_nonspaces`), so a second "\r" ("\r\r\n") stays in the last field and a
    /// "\r" inside a line is an ordinary byte of its field. A line starting with "#" (after blanks, before
    /// any unescaping: `\043` is no comment) is a comment.
    static func lineFields(_ line: Substring.UTF8View) -> [Substring.UTF8View] {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
    }

    /// fstab's octal escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash).
    static func unescape(_ field: Substring.UTF8View) -> String { Escapes.octal(field) }
}

/// What the first field of a swap entry names.
public enum DeviceSpec: Sendable, Equatable {
    /// `UUID=`, `LABEL=`, `PARTUUID=`, `PARTLABEL=` (or the matching /dev/disk/by-* link).
    case tag(name: String, value: String)
    /// Another /dev path (`/dev/sda2`, `/dev/mapper/…`): a name of the running machine.
    case device(String)
    /// A swap file, by its absolute path in the root file system.
    case file(String)
    /// Neither (a relative path, an unknown tag): swapon -a cannot use it.
    case invalid(String)

    public static let tagNames = ["UUID", "LABEL", "PARTUUID", "PARTLABEL"]
    static let byLinks = [
        ("/dev/disk/by-uuid/", "UUID"), ("/dev/disk/by-label/", "LABEL"),
        ("/dev/disk/by-partuuid/", "PARTUUID"), ("/dev/disk/by-partlabel/", "PARTLABEL"),
    ]

    public static func parse(_ spec: String) -> DeviceSpec {
        if let equals = spec.firstIndex(of: "="), !spec.hasPrefix("/") {
            let name = String(spec[..<equals]).uppercased()
            var value = String(spec[spec.index(after: equals)...])
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = String(value.dropFirst().dropLast())
            }
            guard tagNames.contains(name), !value.isEmpty else { return .invalid(spec) }
            return .tag(name: name, value: value)
        }
        for (prefix, name) in byLinks where spec.hasPrefix(prefix) {
            let value = unhexmangle(String(spec.dropFirst(prefix.count)))
            if !value.isEmpty && !value.contains("/") { return .tag(name: name, value: value) }
        }
        if spec.hasPrefix("/dev/") { return .device(spec) }
        if spec.hasPrefix("/") { return .file(spec) }
        return .invalid(spec)
    }

    /// udev's `\x20` escapes in /dev/disk/by-label names.
    static func unhexmangle(_ text: String) -> String { Escapes.hex(text.utf8) }
}

/// What a tag can match in an image: one partition (or the whole image), with the identifiers
/// libblkid reports for it (for a swap area, the UUID and label of its header).
public struct SpecCandidate: Sendable, Equatable {
    public var index: Int
    public var uuid: String?
    public var label: String?
    public var partUUID: String?
    public var partLabel: String?

    public init(index: Int, uuid: String?, label: String?, partUUID: String?, partLabel: String?) {
        self.index = index
        self.uuid = uuid
        self.label = label
        self.partUUID = partUUID
        self.partLabel = partLabel
    }
}

public enum DeviceSpecResolver {
    /// The first candidate the tag names, as libblkid's evaluation would find it (UUIDs compare
    /// without regard to case; labels exactly).
    public static func resolve(name: String, value: String, among candidates: [SpecCandidate]) -> Int? {
        candidates.first { candidate in
            switch name {
            case "UUID": candidate.uuid.map { $0.lowercased() == value.lowercased() } ?? false
            case "LABEL": candidate.label == value
            case "PARTUUID": candidate.partUUID.map { $0.lowercased() == value.lowercased() } ?? false
            case "PARTLABEL": candidate.partLabel == value
            default: false
            }
        }?.index
    }
}
