/// One configuration file of the system that decides the next boot, with its path as the booted
/// system names it (`/etc/default/grub`), not where it was read from.
public struct ConfigFile: Sendable, Equatable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// The last assignment of a shell variable across sourced files: its value after expansion and
/// where it was written.
public struct ShellAssignment: Sendable, Equatable {
    public var value: String
    public var file: String
    public var line: Int
    /// `(a b c)` arrays (mkinitcpio HOOKS) are kept as their words.
    public var isArray: Bool
}

/// The simple shell assignments that /etc/default/grub (sourced by grub-mkconfig), dracut.conf,
/// mkinitcpio.conf and initramfs-tools' conf.d files consist of: `NAME=value`, `NAME="…$OTHER…"`,
/// `NAME='…'`, `NAME+=" …"` (dracut), `NAME=(a b)` (bash arrays), comments and `export`. Each file
/// is sourced in order and a later assignment overrides an earlier one, as the shell does. Anything
/// else (commands, conditionals) is skipped: these files hold nothing else in practice.
public enum ShellAssignments {
    public static func evaluate(_ files: [ConfigFile]) -> [String: ShellAssignment] {
        var variables: [String: ShellAssignment] = [:]
        for (name, assignment) in history(files) { variables[name] = assignment }
        return variables
    }

    /// Every assignment in order, each with the value it leaves.
    public static func history(_ files: [ConfigFile]) -> [(name: String, assignment: ShellAssignment)] {
        var variables: [String: ShellAssignment] = [:]
        var all: [(name: String, assignment: ShellAssignment)] = []
        for file in files {
            var number = 0
            for raw in file.text.split(separator: "\n", omittingEmptySubsequences: false) {
                number += 1
                guard let (name, append, rhs) = split(String(raw)) else { continue }
                let isArray = rhs.hasPrefix("(")
                var value = isArray ? arrayWords(rhs) : expand(rhs, variables)
                if append, let old = variables[name]?.value { value = old + value }
                let assignment = ShellAssignment(value: value, file: file.path, line: number, isArray: isArray)
                variables[name] = assignment
                all.append((name, assignment))
            }
        }
        return all
    }

    /// `NAME`, whether it is `+=`, and the right-hand side; nil for lines that are not assignments.
    static func split(_ raw: String) -> (String, Bool, String)? {
        var line = Substring(raw).trimmingSpaces()
        if line.hasPrefix("export ") { line = line.dropFirst(7).trimmingSpaces() }
        guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { return nil }
        var name = line[..<equals]
        let append = name.hasSuffix("+")
        if append { name = name.dropLast() }
        guard let first = name.first, first == "_" || first.isLetter,
            name.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber })
        else { return nil }
        return (String(name), append, String(line[line.index(after: equals)...]))
    }

    /// A word with its quotes removed and `$NAME` / `${NAME}` expanded outside single quotes;
    /// an unquoted `#` starts a comment.
    static func expand(_ rhs: String, _ variables: [String: ShellAssignment]) -> String {
        var out = ""
        var quote: Character?
        var index = rhs.startIndex
        while index < rhs.endIndex {
            let character = rhs[index]
            index = rhs.index(after: index)
            if quote == nil && (character == " " || character == "\t" || character == "#") { break }
            if character == "'" || character == "\"" {
                if quote == nil { quote = character; continue }
                if quote == character { quote = nil; continue }
            }
            if character == "$" && quote != "'" {
                let (name, next) = variableName(rhs, from: index)
                if let name {
                    out += variables[name]?.value ?? ""
                    index = next
                    continue
                }
            }
            out.append(character)
        }
        return out
    }

    static func variableName(_ text: String, from start: String.Index) -> (String?, String.Index) {
        var index = start
        let braced = index < text.endIndex && text[index] == "{"
        if braced { index = text.index(after: index) }
        var name = ""
        while index < text.endIndex, text[index] == "_" || text[index].isLetter || text[index].isNumber {
            name.append(text[index])
            index = text.index(after: index)
        }
        if braced {
            guard index < text.endIndex, text[index] == "}" else { return (nil, start) }
            index = text.index(after: index)
        }
        return (name.isEmpty ? nil : name, index)
    }

    /// `(a b "c")` → `a b c`.
    static func arrayWords(_ rhs: String) -> String {
        var body = Substring(rhs.dropFirst())
        if let close = body.firstIndex(of: ")") { body = body[..<close] }
        return body.split(whereSeparator: { $0 == " " || $0 == "\t" })
            .map { String($0.filter { $0 != "\"" && $0 != "'" }) }.joined(separator: " ")
    }
}

/// What decides the next boot's kernel command line and whether its initramfs can resume, as read
/// from the system's files (each path as the booted system names it).
public struct BootFiles: Sendable, Equatable {
    /// /etc/default/grub, then /etc/default/grub.d/*.cfg in name order (grub-mkconfig sources them so).
    public var grubDefaults: [ConfigFile] = []
    /// /etc/kernel/cmdline (kernel-install, UKIs).
    public var kernelCmdline: ConfigFile?
    /// /boot/loader/entries/*.conf (Boot Loader Specification entries).
    public var loaderEntries: [ConfigFile] = []
    /// GRUB's environment block (/boot/grub2/grubenv, else /boot/grub/grubenv): GRUB expands the
    /// `$kernelopts` of BLS entries (RHEL 8 and its rebuilds, Fedora before 33) from it.
    public var grubEnvironment: ConfigFile?
    /// /etc/initramfs-tools/initramfs.conf then conf.d/* (present: the directory exists).
    public var initramfsTools: [ConfigFile]?
    /// /etc/dracut.conf then /etc/dracut.conf.d/*.conf.
    public var dracut: [ConfigFile]?
    /// /etc/mkinitcpio.conf then /etc/mkinitcpio.conf.d/*.conf.
    public var mkinitcpio: [ConfigFile]?

    public init() {}

    /// The files where the booted system has them, through a reader of one file (`read`: nil when it
    /// is no regular file) and of a directory's names (`list`: nil when it is no directory): the same
    /// layout live, under `--root`, and inside an image.
    public static func gather(read: (String) -> String?, list: (String) -> [String]?) -> BootFiles {
        func file(_ path: String) -> ConfigFile? { read(path).map { ConfigFile(path: path, text: $0) } }
        // A configuration file, then its drop-in directory in the shell's glob order (byte order).
        func files(_ first: String?, _ directory: String, suffix: String) -> [ConfigFile]? {
            let names = list(directory)
            let listed = (names ?? []).filter { !$0.hasPrefix(".") && $0.hasSuffix(suffix) }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.compactMap { file("\(directory)/\($0)") }
            let head = first.flatMap(file)
            guard head != nil || names != nil else { return nil }
            return (head.map { [$0] } ?? []) + listed
        }
        var boot = BootFiles()
        boot.grubDefaults = files("/etc/default/grub", "/etc/default/grub.d", suffix: ".cfg") ?? []
        boot.kernelCmdline = file("/etc/kernel/cmdline")
        boot.loaderEntries = files(nil, "/boot/loader/entries", suffix: ".conf") ?? []
        boot.grubEnvironment = file("/boot/grub2/grubenv") ?? file("/boot/grub/grubenv")
        if list("/etc/initramfs-tools") != nil {
            boot.initramfsTools = files("/etc/initramfs-tools/initramfs.conf", "/etc/initramfs-tools/conf.d", suffix: "") ?? []
        }
        boot.dracut = files("/etc/dracut.conf", "/etc/dracut.conf.d", suffix: ".conf")
        boot.mkinitcpio = files("/etc/mkinitcpio.conf", "/etc/mkinitcpio.conf.d", suffix: ".conf")
        return boot
    }

    public var isEmpty: Bool {
        grubDefaults.isEmpty && kernelCmdline == nil && loaderEntries.isEmpty && initramfsTools == nil && dracut == nil
            && mkinitcpio == nil
    }
}
