import ArgumentParser
import SwapInspectCore
import SwapInspectImage
import SwapInspectLinux

/// `swapinspect hibernate`: is this system (or the one under --root) ready to hibernate into PATH.
struct Hibernate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hibernate",
        abstract: "Check that this system is ready to hibernate into a swap area, and resume from it.",
        discussion: """
            Checks the chain: disk in /sys/power/state, kernel lockdown, nohibernate and noresume; the area \
            (default: the one systemd would choose) active, not zram, with room for Active(anon); resume= \
            (every form, resolved) and resume_offset= against the kernel's match value, in /sys/power, \
            /proc/cmdline and the next boot's configuration (/etc/default/grub with grub.d, BLS entries, \
            /etc/kernel/cmdline); the initramfs' resume hook (initramfs-tools, dracut, mkinitcpio); systemd's \
            HibernateLocation EFI variable and logind's decision. Each broken link is a finding with its fix. \
            Reads only. Exit status: 0 ready, 1 not ready, 2 cannot tell.
            """
    )

    @OptionGroup var document: DocumentOptions

    @Flag(name: .long, help: "Warnings also make the exit status 1.")
    var strict = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read the system's /proc, /sys and /etc files under this directory (a captured or mounted system).",
            valueName: "dir"),
        completion: .directory)
    var root: String = "/"

    @OptionGroup var page: PageSizeOption

    @Argument(
        help: ArgumentHelp("The swap area to hibernate into (default: the one systemd would choose).", valueName: "path"),
        completion: .file())
    var path: String?

    func validate() throws {
        if let path, !path.hasPrefix("/") { throw ValidationError("PATH must be absolute (got \(path))") }
    }

    func run() throws {
        let system = SystemRoot(root)
        guard system.exists("/") else {
            printError("\(root): cannot read: no such directory")
            throw ExitCode(ExitStatus.cannotInspect)
        }
        let verdict = Self.verdict(system: system, path: path, pageSize: page.effective)
        if let reason = verdict.undetermined { printError("\(path ?? root): cannot tell: \(reason)") }
        let output: OutputFormat = document.wantsPrometheus ? .prometheus : OutputFormat(json: document.wantsJSON)
        try CommandOutput.hibernation(verdict, errors: []).write(output, to: document.outputFile)
        let strictFailure = strict && verdict.findings.contains { $0.severity == .warning }
        let status = verdict.undetermined != nil ? ExitStatus.cannotInspect : (!verdict.ready || strictFailure ? ExitStatus.findings : ExitStatus.ok)
        if status != ExitStatus.ok { throw ExitCode(status) }
    }

    /// The facts of the system, checked; device specs are resolved on this machine (libblkid).
    static func verdict(system: SystemRoot, path: String?, pageSize: Int) -> HibernationVerdict {
        let facts = HibernationReader.facts(root: system, path: path, pageSize: pageSize) { DeviceTags.value("UUID", of: $0) }
        return HibernationCheck.check(facts, resolve: resolveDevice)
    }

    /// `/dev/…` and the tags, as the initramfs resolves them (udev's by-* links, libblkid).
    static func resolveDevice(_ spec: String) -> DeviceNumber? {
        if case .tag(let name, let value) = DeviceSpec.parse(spec) {
            return DeviceTags.evaluate(name: name, value: value).flatMap(HibernationReader.deviceNumber)
        }
        return HibernationReader.deviceNumber(of: spec)
    }

    /// The one line `inspect` and `list` print, when this machine has hibernation configured at all.
    static func summaryLine(pageSize: Int, system: SystemRoot = SystemRoot()) -> String? {
        let configuration = HibernationReader.facts(root: system, path: nil, pageSize: pageSize, inspectAreas: false) { _ in nil }
        guard HibernationVerdict.configured(configuration) else { return nil }
        return verdict(system: system, path: nil, pageSize: pageSize).summary
    }
}
