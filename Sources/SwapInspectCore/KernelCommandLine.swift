/// A kernel command line as the kernel splits it (`next_arg` in kernel/params.c): words separated by
/// spaces, a double-quoted part keeps its spaces, `--` ends the kernel's parameters (the rest is
/// init's). The same form is used in /proc/cmdline, /etc/kernel/cmdline, a BLS entry's `options` and
/// GRUB_CMDLINE_LINUX*.
public struct KernelCommandLine: Sendable, Equatable {
    /// The words in order, quotes kept as written (so that the line can be written back).
    public var words: [String]

    public init(_ text: String) {
        var words: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" { quoted.toggle() }
            if !quoted && (character == " " || character == "\t" || character == "\n" || character == "\r") {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        if let end = words.firstIndex(of: "--") { words = Array(words[..<end]) }
        self.words = words
    }

    public init(words: [String]) { self.words = words }

    public var text: String { words.joined(separator: " ") }

    /// The value of the last `name=value` (each `__setup` handler runs again and overwrites: the
    /// last one wins), quotes removed; nil when absent.
    public func value(_ name: String) -> String? {
        let prefix = name + "="
        guard let word = words.last(where: { $0.hasPrefix(prefix) }) else { return nil }
        var value = String(word.dropFirst(prefix.count))
        if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
        return value
    }

    /// Whether the bare word `name` is present (`noresume`, `nohibernate`).
    public func has(_ name: String) -> Bool { words.contains(name) }

    /// `resume_offset=` as the kernel parses it (`kstrtoull(str, 0, …)`: decimal, 0x hex, 0 octal).
    public var resumeOffset: UInt64? {
        guard let text = value("resume_offset") else { return nil }
        return Self.parseUnsigned(text)
    }

    /// `noresume`, or `hibernate=noresume` (`hibernate_setup`).
    public var noresume: Bool { has("noresume") || value("hibernate") == "noresume" }

    /// `nohibernate`, or `hibernate=no` (`nohibernate_setup`, `hibernate_setup`).
    public var nohibernate: Bool { has("nohibernate") || value("hibernate") == "no" }

    /// Whether any resume parameter is set (hibernation is configured at all).
    public var mentionsResume: Bool { value("resume") != nil || value("resume_offset") != nil }

    /// The same line with `resume=`, `resume_offset=` and `noresume` replaced by the given ones,
    /// everything else kept in place.
    public func settingResume(device: String, offset: UInt64?) -> KernelCommandLine {
        var kept = words.filter { !$0.hasPrefix("resume=") && !$0.hasPrefix("resume_offset=") && !["noresume", "nohibernate", "hibernate=noresume", "hibernate=no"].contains($0) }
        kept.append("resume=\(device)")
        if let offset { kept.append("resume_offset=\(offset)") }
        return KernelCommandLine(words: kept)
    }

    static func parseUnsigned(_ text: String) -> UInt64? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        if text.count > 1, text.hasPrefix("0") { return UInt64(text.dropFirst(), radix: 8) }
        return UInt64(text)
    }
}

/// A block device number, as /sys/power/resume shows it (`MAJ:MIN`).
public struct DeviceNumber: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var major: UInt32
    public var minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    public var description: String { "\(major):\(minor)" }
    public var isZero: Bool { major == 0 && minor == 0 }

    /// `MAJ:MIN` (decimal, as /sys/power/resume and `resume=` take it), or nil.
    public init?(text: String) {
        let trimmed = text.filter { $0 != "\n" && $0 != " " }
        let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    /// The bare hexadecimal form of `resume=` (`early_lookup_bdev`: `new_decode_dev(simple_strtoul(name, 16))`).
    public init?(hex text: String) {
        guard !text.isEmpty, text.count <= 8, let value = UInt32(text, radix: 16) else { return nil }
        self.init(major: (value & 0xfff00) >> 8, minor: (value & 0xff) | ((value >> 12) & 0xfff00))
    }
}
