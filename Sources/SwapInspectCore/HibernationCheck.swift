/// Decides whether a system is ready to hibernate into an area, link by link: the kernel (state,
/// lockdown, command line), the area (active, not zram, room for the image), the resume device and
/// offset now (/sys/power, /proc/cmdline) and at the next boot (GRUB, BLS, /etc/kernel/cmdline), the
/// initramfs' resume hook, systemd's HibernateLocation and systemd's own decision.
public enum HibernationCheck {
    /// Resolves a device spec of the system (`/dev/…`, `UUID=`, `LABEL=`, `PARTUUID=`, `PARTLABEL=`) to
    /// a device number; `MAJ:MIN` and the bare hex form are decoded here.
    public typealias Resolver = (String) -> DeviceNumber?

    public static func check(_ facts: HibernationFacts, resolve: @escaping Resolver) -> HibernationVerdict {
        var run = HibernationRun(facts: facts, resolve: resolve)
        run.checkKernel()
        guard run.verdict.undetermined == nil else { return run.verdict }
        run.chooseArea()
        run.checkArea()
        guard run.verdict.undetermined == nil, run.verdict.area != nil else { return run.verdict }
        run.checkNow()
        run.checkNextBoot()
        run.checkInitramfs()
        run.checkEFI()
        return run.verdict
    }

    /// The next boot's configuration of an image (`swapinspect image`): `area` is the swap file named
    /// by its /etc/fstab, `deviceUUID` the UUID of the file system holding it.
    public static func offline(boot: BootFiles, area: HibernationArea) -> HibernationVerdict {
        var facts = HibernationFacts()
        facts.boot = boot
        facts.requested = area
        var run = HibernationRun(facts: facts, resolve: { _ in nil })
        run.offline = true
        run.verdict.area = area
        run.verdict.resumeDevice = area.deviceUUID.map { "UUID=\($0)" } ?? area.devicePath
        run.checkNextBoot()
        run.checkInitramfs()
        return run.verdict
    }

    /// A device spec resolved: decoded when it is a number, else through the resolver.
    static func resolveSpec(_ spec: String, _ resolve: Resolver) -> DeviceNumber? {
        if let number = DeviceNumber(text: spec) { return number }
        if !spec.contains("/") && !spec.contains("="), let number = DeviceNumber(hex: spec) { return number }
        // `PARTUUID=…/PARTNROFF=n` (early_lookup_bdev): the offset names a sibling partition, not modelled.
        if spec.hasPrefix("PARTUUID="), let slash = spec.firstIndex(of: "/") { return resolve(String(spec[..<slash])) }
        return resolve(spec)
    }
}

struct HibernationRun {
    let facts: HibernationFacts
    let resolve: HibernationCheck.Resolver
    let cmdline: KernelCommandLine
    let fixes: HibernationFixes
    var verdict = HibernationVerdict()
    /// An image's boot configuration, checked without its running kernel: only the next boot's
    /// command line and initramfs, resume= matched by UUID against the image's file system.
    var offline = false

    init(facts: HibernationFacts, resolve: @escaping HibernationCheck.Resolver) {
        self.facts = facts
        self.resolve = resolve
        cmdline = KernelCommandLine(facts.cmdline ?? "")
        fixes = HibernationFixes(root: facts.root, boot: facts.boot)
    }

    mutating func add(_ code: FindingCode, _ message: String, fix: String? = nil) {
        verdict.findings.append(Finding(code, message, fix: fix))
    }

    /// `hibernation_available()`: not with `nohibernate`, nor under lockdown (`LOCKDOWN_HIBERNATION`);
    /// and `noresume` makes systemd refuse (`read_resume_config`).
    mutating func checkKernel() {
        guard let state = facts.powerState else {
            verdict.undetermined = "cannot read /sys/power/state: the kernel's sleep states are unknown"
            return
        }
        guard facts.cmdline != nil else {
            verdict.undetermined = "cannot read /proc/cmdline: the running kernel's resume parameters are unknown"
            return
        }
        let disk = state.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains("disk")
        let lockdown = Self.currentLockdown(facts.lockdown)
        if let lockdown, lockdown != "none" {
            add(.hibernationLockedDown,
                "the kernel is locked down (\(lockdown), /sys/kernel/security/lockdown): \"Lockdown: systemd-sleep: hibernation is restricted; see man kernel_lockdown.7\", and /sys/power/state offers no disk; turn Secure Boot off in the firmware setup")
        } else if cmdline.nohibernate {
            add(.hibernationDisabled, "the kernel was booted with \(cmdline.has("nohibernate") ? "nohibernate" : "hibernate=no") (/proc/cmdline): hibernation is off until a boot without it")
        } else if !disk {
            add(.hibernationUnavailable,
                "/sys/power/state (\(state.isEmpty ? "empty" : state.filter { $0 != "\n" })) has no disk: this kernel cannot hibernate (CONFIG_HIBERNATION off); boot a kernel built with it")
        }
        if cmdline.noresume {
            add(.noresume, "the kernel was booted with noresume (/proc/cmdline): systemd refuses: \"\(SystemdDecision.resumeNotSupported.message!)\"")
        }
    }

    /// `none [integrity] confidentiality` → `integrity`.
    static func currentLockdown(_ text: String?) -> String? {
        guard let text else { return nil }
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix("[") && word.hasSuffix("]") {
            return String(word.dropFirst().dropLast())
        }
        return nil
    }

    /// The resume device and offset the running kernel holds: /sys/power when readable, else what
    /// /proc/cmdline asked for.
    var now: ResumeSetting {
        if let device = facts.sysResume {
            return ResumeSetting(
                source: "/sys/power/resume", device: device.isZero ? nil : device.description, resolved: device.isZero ? nil : device,
                offset: facts.sysResumeOffset)
        }
        let spec = cmdline.value("resume")
        return ResumeSetting(
            source: "/proc/cmdline", device: spec, resolved: spec.flatMap { HibernationCheck.resolveSpec($0, resolve) },
            offset: cmdline.resumeOffset)
    }
}
