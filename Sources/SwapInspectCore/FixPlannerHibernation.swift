/// The fixes of the hibernation findings: one shell command line each, with every path under the
/// inspected root (`--root DIR`: `DIR/etc/default/grub`, and what regenerates runs `chroot DIR …`), so
/// that the line printed for a captured or mounted system is the one to run for it.
public struct HibernationFixes: Sendable {
    public var root: String
    public var boot: BootFiles

    public init(root: String, boot: BootFiles) {
        self.root = root
        self.boot = boot
    }

    /// The system's `path` as this machine reaches it, quoted.
    func rooted(_ path: String) -> String {
        ShellQuote.quote(root == "/" || root.isEmpty ? path : (root.hasSuffix("/") ? String(root.dropLast()) : root) + path)
    }

    /// A command of the system itself, run inside it when it is not this machine's root.
    func inRoot(_ command: String) -> String {
        root == "/" || root.isEmpty ? command : "chroot \(ShellQuote.quote(root)) \(command)"
    }

    /// `sed -i 'Nc\TEXT' FILE` (the line replaced), or TEXT appended when there is no such line yet.
    func replaceLine(_ file: String, line: Int?, with text: String) -> String {
        // sed treats a backslash in the text of `c` as an escape: doubled, it stands for itself.
        let sedText = text.replacingAll("\\", with: "\\\\")
        if let line { return "sed -i \(ShellQuote.quote("\(line)c\\\(sedText)")) \(rooted(file))" }
        return "printf '%s\\n' \(ShellQuote.quote(text)) >> \(rooted(file))"
    }

    /// The value written between the double quotes of a shell assignment.
    static func doubleQuoted(_ value: String) -> String {
        var out = ""
        for character in value {
            if "\"$\\`".contains(character) { out.append("\\") }
            out.append(character)
        }
        return "\"\(out)\""
    }

    /// Rewrites a next-boot source so that its command line is `line`, then regenerates what reads it.
    public func rewrite(_ source: NextBootSource, to line: KernelCommandLine) -> String {
        switch source.editor {
        case .grubVariable(let name, let file, let number):
            return replaceLine(file, line: number, with: "\(name)=\(Self.doubleQuoted(line.text))") + " && " + inRoot("update-grub")
        case .loaderEntry(let file, let number):
            return replaceLine(file, line: number, with: "options \(line.text)")
        case .kernelCmdline(let file):
            return "printf '%s\\n' \(ShellQuote.quote(line.text)) > \(rooted(file)) && " + inRoot(regenerateImages)
        }
    }

    /// What rebuilds the boot images after /etc/kernel/cmdline changed.
    var regenerateImages: String {
        if boot.mkinitcpio != nil { return "mkinitcpio -P" }
        if boot.dracut != nil { return "dracut --regenerate-all --force" }
        if boot.initramfsTools != nil { return "update-initramfs -u -k all" }
        return "kernel-install add-all"
    }

    /// The initramfs generator's line rewritten, and the images regenerated.
    public func initramfs(_ resume: InitramfsResume) -> String? {
        guard let file = resume.file, let text = resume.replacement else { return nil }
        let regenerate = switch resume.generator {
        case "initramfs-tools": "update-initramfs -u -k all"
        case "dracut": "dracut --regenerate-all --force"
        default: "mkinitcpio -P"
        }
        return replaceLine(file, line: resume.line, with: text) + " && " + inRoot(regenerate)
    }

    /// The running kernel's offset set right (writing resume_offset alone starts nothing; writing
    /// /sys/power/resume would start a resume, and is never done).
    public func sysfsOffset(_ offset: UInt64) -> String {
        "printf '%s\\n' \(offset) > \(rooted("/sys/power/resume_offset"))"
    }

    /// A stale HibernateLocation removed (efivarfs files are immutable until chattr -i).
    public func removeEFIVariable() -> String {
        let path = rooted("/sys/firmware/efi/efivars/" + EFIHibernateLocation.fileName)
        return "chattr -i \(path) && rm \(path)"
    }

    public func swapon(_ path: String) -> String { "swapon \(rooted(path))" }
}
