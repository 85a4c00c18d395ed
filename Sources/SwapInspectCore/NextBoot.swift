/// One place the next boot's kernel command line comes from, with how to rewrite it.
public struct NextBootSource: Sendable, Equatable {
    public enum Editor: Sendable, Equatable {
        /// A GRUB_CMDLINE_LINUX* variable of /etc/default/grub(.d): its last assignment (nil: none yet).
        case grubVariable(name: String, file: String, line: Int?)
        /// The `options` line of a Boot Loader Specification entry.
        case loaderEntry(file: String, line: Int?)
        /// /etc/kernel/cmdline, written whole.
        case kernelCmdline(file: String)
    }

    /// Where it is, for people (`/etc/default/grub.d/50-cloudimg.cfg line 3`).
    public var location: String
    /// The command line the next boot gets from it.
    public var cmdline: KernelCommandLine
    /// The words of the part that the fix rewrites (the grub variable's own value).
    public var editable: KernelCommandLine
    public var editor: Editor
    /// An earlier assignment in another file that set resume parameters and that this one overrides
    /// (/etc/default/grub edited, a grub.d file winning).
    public var overrides: String? = nil
}

public enum NextBoot {
    static let grubDefault = "GRUB_CMDLINE_LINUX_DEFAULT"
    static let grubLinux = "GRUB_CMDLINE_LINUX"

    /// Every source the next boot may take its command line from: BLS entries when there are some (the
    /// boot loader reads them, GRUB's defaults then only seed new entries), else /etc/default/grub with
    /// its grub.d overrides; and /etc/kernel/cmdline (kernel-install and UKIs) when present.
    public static func sources(_ boot: BootFiles) -> [NextBootSource] {
        var sources: [NextBootSource] = []
        if !boot.loaderEntries.isEmpty {
            let environment = boot.grubEnvironment.map(GrubEnvironment.init)
            sources += boot.loaderEntries.map { loaderEntry($0, environment: environment) }
        } else if !boot.grubDefaults.isEmpty {
            sources.append(grub(boot.grubDefaults))
        }
        if let file = boot.kernelCmdline {
            let line = KernelCommandLine(file.text)
            sources.append(NextBootSource(location: file.path, cmdline: line, editable: line, editor: .kernelCmdline(file: file.path)))
        }
        return sources
    }

    /// GRUB: `GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT` (grub-mkconfig's 10_linux, normal entries).
    /// The fix edits the variable that holds the resume parameters, else the _DEFAULT one, where it was
    /// last assigned: an assignment in grub.d overrides /etc/default/grub.
    static func grub(_ files: [ConfigFile]) -> NextBootSource {
        let variables = ShellAssignments.evaluate(files)
        let linux = KernelCommandLine(variables[grubLinux]?.value ?? "")
        let linuxDefault = KernelCommandLine(variables[grubDefault]?.value ?? "")
        var target = touchesResume(linux) && !touchesResume(linuxDefault) ? grubLinux : grubDefault
        // Nothing holds resume now: the variable an earlier file put it in (the one a grub.d file overrode).
        if !touchesResume(linux) && !touchesResume(linuxDefault),
            let earlier = ShellAssignments.history(files).last(where: { [grubLinux, grubDefault].contains($0.name) && KernelCommandLine($0.assignment.value).mentionsResume })
        {
            target = earlier.name
        }
        let assignment = variables[target]
        let location = assignment.map { "\($0.file) line \($0.line) (\(target))" } ?? "\(files[0].path) (\(target) unset)"
        var source = NextBootSource(
            location: location, cmdline: KernelCommandLine(words: linux.words + linuxDefault.words),
            editable: target == grubLinux ? linux : linuxDefault,
            editor: .grubVariable(name: target, file: assignment?.file ?? files[0].path, line: assignment?.line))
        let earlier = ShellAssignments.history(files).last { entry in
            entry.assignment.file != assignment?.file && [grubLinux, grubDefault].contains(entry.name)
                && KernelCommandLine(entry.assignment.value).mentionsResume
        }
        if let earlier, !KernelCommandLine(assignment?.value ?? "").mentionsResume {
            source.overrides = "\(earlier.assignment.file) line \(earlier.assignment.line)"
        }
        return source
    }

    static func touchesResume(_ line: KernelCommandLine) -> Bool {
        line.mentionsResume || line.noresume || line.nohibernate
    }

    /// A BLS entry's `options`. GRUB (blscfg) expands `$name` and `${name}` from its environment
    /// block, so that `options $kernelopts` boots with grubenv's `kernelopts=`: that is the command
    /// line judged, while the fix rewrites the entry's own words (`$kernelopts` kept, the resume
    /// parameters after it: the kernel takes the last of each).
    static func loaderEntry(_ file: ConfigFile, environment: GrubEnvironment?) -> NextBootSource {
        var number = 0
        var found: (line: Int, value: String)?
        for raw in file.text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = Substring(raw).trimmingSpaces()
            if line.hasPrefix("options") && (line.count == 7 || line.dropFirst(7).first == " " || line.dropFirst(7).first == "\t") {
                // Several options lines are concatenated (BLS: "may appear more than once").
                let value = String(line.dropFirst(7).trimmingSpaces())
                found = (number, found.map { $0.value + " " + value } ?? value)
            }
        }
        let line = KernelCommandLine(found?.value ?? "")
        var location = found.map { "\(file.path) line \($0.line)" } ?? "\(file.path) (no options line)"
        var booted = line
        if let environment, let value = found?.value, value.contains("$") {
            let expanded = environment.expand(value)
            booted = KernelCommandLine(expanded.text)
            if !expanded.names.isEmpty {
                location += " with " + expanded.names.map { "$\($0)" }.joined(separator: ", ") + " from \(environment.path)"
            }
        }
        return NextBootSource(location: location, cmdline: booted, editable: line, editor: .loaderEntry(file: file.path, line: found?.line))
    }
}

/// Whether the next initramfs will try to resume, per generator found.
public struct InitramfsResume: Sendable, Equatable {
    public var generator: String
    /// nil when it will resume.
    public var missing: String?
    /// The file and line to change, and the line to write there (nil line: append).
    public var file: String?
    public var line: Int?
    public var replacement: String?
    /// Whether it resumes through systemd (systemd-hibernate-resume, which also reads HibernateLocation).
    public var systemd: Bool

    /// initramfs-tools: `RESUME=none` (initramfs.conf, conf.d/resume) leaves resume out unless the
    /// command line names a device: its init sources the configuration, then a `resume=` of the command
    /// line replaces RESUME (`resume=*) RESUME="${x#resume=}"`), and only then does `RESUME = none` set
    /// noresume. `cmdlineResume`: every next boot's command line has a resume=. dracut: the `resume`
    /// module unless omitted. mkinitcpio: the `resume` or `systemd` hook.
    public static func evaluate(_ boot: BootFiles, resumeSpec: String, cmdlineResume: Bool = false) -> [InitramfsResume] {
        var results: [InitramfsResume] = []
        if let files = boot.initramfsTools {
            var result = InitramfsResume(generator: "initramfs-tools", systemd: false)
            if !cmdlineResume, let resume = ShellAssignments.evaluate(files)["RESUME"], resume.value == "none" {
                result.missing = "\(resume.file) line \(resume.line) sets RESUME=none: the initramfs leaves resume out"
                (result.file, result.line, result.replacement) = (resume.file, resume.line, "RESUME=\(resumeSpec)")
            }
            results.append(result)
        }
        if let files = boot.dracut {
            var result = InitramfsResume(generator: "dracut", systemd: true)
            if let omit = ShellAssignments.evaluate(files)["omit_dracutmodules"], omit.value.split(separator: " ").contains("resume") {
                result.missing = "\(omit.file) line \(omit.line) omits dracut's resume module"
                let kept = omit.value.split(separator: " ").filter { $0 != "resume" }.joined(separator: " ")
                (result.file, result.line, result.replacement) = (omit.file, omit.line, "omit_dracutmodules=\" \(kept) \"")
            }
            results.append(result)
        }
        if let files = boot.mkinitcpio { results.append(mkinitcpio(files)) }
        return results
    }

    /// initramfs-tools' RESUME= where it names a device (not `none`, `auto` or empty): the device the
    /// initramfs resumes from when the command line has no resume= (init: `resume=${RESUME:-}`, which
    /// scripts/local-premount/resume writes to /sys/power/resume with the command line's resume_offset).
    /// Where RESUME is unset or `auto`, mkinitramfs chose a swap partition itself
    /// (conf/conf.d/zz-resume-auto inside the image): not known from /etc.
    public static func initramfsToolsDevice(_ boot: BootFiles) -> ShellAssignment? {
        guard let files = boot.initramfsTools, let resume = ShellAssignments.evaluate(files)["RESUME"] else { return nil }
        return ["", "none", "auto"].contains(resume.value) ? nil : resume
    }

    static func mkinitcpio(_ files: [ConfigFile]) -> InitramfsResume {
        let hooks = ShellAssignments.evaluate(files)["HOOKS"]
        let words = (hooks?.value ?? "").split(separator: " ").map(String.init)
        var result = InitramfsResume(generator: "mkinitcpio", systemd: words.contains("systemd"))
        guard !words.contains("resume") && !words.contains("systemd") else { return result }
        result.missing = hooks.map { "\($0.file) line \($0.line): HOOKS has neither resume nor systemd" } ?? "no HOOKS in \(files.first?.path ?? "/etc/mkinitcpio.conf")"
        // The resume hook runs after udev, encrypt and lvm2 have made the device, and before the root
        // file system is mounted (the filesystems hook).
        var fixed = words
        if let filesystems = fixed.firstIndex(of: "filesystems") {
            fixed.insert("resume", at: filesystems)
        } else if let udev = fixed.firstIndex(of: "udev") {
            fixed.insert("resume", at: udev + 1)
        } else {
            fixed.append("resume")
        }
        (result.file, result.line, result.replacement) = (hooks?.file ?? files.first?.path, hooks?.line, "HOOKS=(\(fixed.joined(separator: " ")))")
        return result
    }
}

/// GRUB's environment block (`grub2-editenv list`): `# GRUB Environment Block`, then `name=value`
/// lines (a backslash escapes a newline or a backslash in a value), padded with `#` to 1024 bytes.
public struct GrubEnvironment: Sendable, Equatable {
    public var path: String
    public var values: [String: String] = [:]

    public init(_ file: ConfigFile) {
        path = file.path
        for raw in file.text.split(separator: "\n") where !raw.hasPrefix("#") {
            guard let equals = raw.firstIndex(of: "=") else { continue }
            var value = ""
            var escaped = false
            for character in raw[raw.index(after: equals)...] {
                if escaped || character != "\\" {
                    value.append(character)
                    escaped = false
                } else {
                    escaped = true
                }
            }
            values[String(raw[..<equals])] = value
        }
    }

    /// `text` with `$name` and `${name}` replaced as GRUB's script parser does (an unset name is
    /// empty), and the names that were set.
    public func expand(_ text: String) -> (text: String, names: [String]) {
        var output = ""
        var names: [String] = []
        var rest = Substring(text)
        func isNameCharacter(_ character: Character) -> Bool { character.isASCII && (character.isLetter || character.isNumber || character == "_") }
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            var after = rest[rest.index(after: dollar)...]
            let name: Substring
            if after.first == "{", let close = after.firstIndex(of: "}") {
                name = after[after.index(after: after.startIndex)..<close]
                after = after[after.index(after: close)...]
            } else {
                name = after.prefix(while: isNameCharacter)
                after = after.dropFirst(name.count)
            }
            if name.isEmpty {
                output += "$"
            } else if let value = values[String(name)] {
                output += value
                if !names.contains(String(name)) { names.append(String(name)) }
            }
            rest = after
        }
        return (output + rest, names)
    }
}
