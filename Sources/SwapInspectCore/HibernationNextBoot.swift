/// The next boot: the command line it will get, the initramfs that must resume, and the EFI variable
/// systemd's initrd reads.
extension HibernationRun {
    mutating func checkNextBoot() {
        guard let area = verdict.area, area.entry != nil || offline || area.offsetKernel != nil, let spec = verdict.resumeDevice else { return }
        let sources = NextBoot.sources(facts.boot)
        if sources.isEmpty {
            verdict.notes.append("no boot configuration found (/etc/default/grub, /boot/loader/entries, /etc/kernel/cmdline): the next boot's command line is unknown")
        }
        let offset = area.isFile ? area.offsetKernel : nil
        let viaEFI = facts.efiBoot && InitramfsResume.evaluate(facts.boot, resumeSpec: spec).contains { $0.systemd && $0.missing == nil }
        let configured = InitramfsResume.initramfsToolsDevice(facts.boot)
        for source in sources {
            let line = source.cmdline
            // Without resume= on the command line, initramfs-tools' own RESUME= is what its init resumes from.
            let fromInitramfs = line.value("resume") == nil ? configured : nil
            let device = line.value("resume") ?? fromInitramfs?.value
            let location = fromInitramfs.map { "\(source.location) has no resume=: initramfs-tools' RESUME= of \($0.file) line \($0.line)" } ?? source.location
            let resolved = device.flatMap { HibernationCheck.resolveSpec($0, resolve) }
            let matches = offline ? device.map { offlineMatch($0, area) } ?? false : resolved != nil && resolved == area.device
            verdict.nextBoot.append(ResumeSetting(source: location, device: device, resolved: resolved, offset: line.resumeOffset))
            let fix = fixes.rewrite(source, to: source.editable.settingResume(device: spec, offset: offset))
            let wanted = "resume=\(spec)\(offset.map { " resume_offset=\($0)" } ?? "")"
            if line.noresume {
                add(.noresume, "the next boot's command line (\(source.location)) has noresume: the saved image is ignored", fix: fix)
            }
            if line.nohibernate {
                add(.hibernationDisabled, "the next boot's command line (\(source.location)) turns hibernation off", fix: fix)
            }
            if let overridden = source.overrides, device == nil || !matches || (offset != nil && line.resumeOffset != offset) {
                add(.grubOverride,
                    "\(source.location) overrides \(overridden), which sets the resume parameters: the next boot gets '\(line.text)' without them; it needs \(wanted)",
                    fix: fix)
                continue
            }
            guard let device else {
                if let stale = line.resumeOffset {
                    add(.resumeOffsetWithoutDevice,
                        "the next boot's command line (\(source.location)) has resume_offset=\(stale) but no resume=: the kernel ignores the offset and systemd refuses: \"\(SystemdDecision.resumeMisconfigured.message!)\"; it needs \(wanted)",
                        fix: fix)
                } else if !viaEFI {
                    add(.resumeNotConfigured,
                        "the next boot's command line (\(source.location)) has no resume=: the kernel will not look for the image; it needs \(wanted)",
                        fix: fix)
                }
                continue
            }
            if !matches {
                let what = offline ? "is not the UUID of the file system holding it" : resolved.map { "resolves to \($0)" } ?? "names no device of this machine"
                add(.resumeDeviceMismatch,
                    "the next boot's resume=\(device) (\(location)) \(what), but \(area.path) is on \(area.devicePath ?? "?") (\(area.device?.description ?? "?")): the resume finds no image; it needs \(wanted)",
                    fix: fix)
            } else if let offset, (line.resumeOffset ?? 0) != offset {
                add(.resumeOffsetMismatch,
                    "the next boot's resume_offset=\(line.resumeOffset.map { "\($0)" } ?? "(none, 0)") (\(location)) is not the \(offset) the kernel will match for \(area.path)\(offsetsText(area)): the resume finds no image and the machine boots afresh",
                    fix: fix)
            }
        }
    }

    /// Offline, only a UUID can be told apart: the file system's own; a device name is the booted
    /// machine's, assumed right (and said so).
    mutating func offlineMatch(_ spec: String, _ area: HibernationArea) -> Bool {
        if case .tag("UUID", let value) = DeviceSpec.parse(spec) { return value.lowercased() == area.deviceUUID?.lowercased() }
        verdict.notes.append("resume=\(spec) names a device of the booted machine: not comparable offline, only resume_offset is checked")
        return true
    }

    mutating func checkInitramfs() {
        guard let spec = verdict.resumeDevice, verdict.area?.entry != nil || offline else { return }
        let sources = NextBoot.sources(facts.boot)
        let cmdlineResume = !sources.isEmpty && sources.allSatisfy { $0.cmdline.value("resume") != nil && !$0.cmdline.noresume }
        let results = InitramfsResume.evaluate(facts.boot, resumeSpec: spec, cmdlineResume: cmdlineResume)
        if results.isEmpty && !facts.boot.isEmpty {
            verdict.notes.append("no initramfs generator configuration found (initramfs-tools, dracut, mkinitcpio): whether the initramfs resumes is unknown")
        }
        for result in results {
            guard let missing = result.missing else { continue }
            add(.initramfsNoResume, "\(result.generator): \(missing): a resume= that needs udev (UUID=, LABEL=, a module's device) is never followed", fix: fixes.initramfs(result))
        }
    }

    /// HibernateLocation: systemd-sleep writes it before each hibernation and the initrd's
    /// systemd-hibernate-resume-generator resumes from it when resume= is absent; one left behind by an
    /// earlier attempt points at a stale place.
    mutating func checkEFI() {
        guard let bytes = facts.efiHibernateLocation, let area = verdict.area else { return }
        guard let location = EFIHibernateLocation(efivarfs: bytes) else {
            add(.efiLocationStale, "the HibernateLocation EFI variable cannot be decoded", fix: fixes.removeEFIVariable())
            return
        }
        verdict.efi = ResumeSetting(
            source: "HibernateLocation", device: location.uuid.map { "UUID=\($0)" },
            resolved: location.uuid.flatMap { HibernationCheck.resolveSpec("UUID=\($0)", resolve) }, offset: location.offset)
        let uuidMatches = location.uuid != nil && location.uuid?.lowercased() == area.deviceUUID?.lowercased()
        let offsetMatches = !area.isFile || location.offset == area.offsetKernel
        if !uuidMatches || !offsetMatches {
            add(.efiLocationStale,
                "the HibernateLocation EFI variable (uuid \(location.uuid ?? "none"), offset \(location.offset.map { "\($0)" } ?? "none")) does not point at \(area.path) (uuid \(area.deviceUUID ?? "unknown"), offset \(area.offsetKernel.map { "\($0)" } ?? "?")): left by an earlier hibernation, it sends the next boot's resume elsewhere",
                fix: fixes.removeEFIVariable())
        }
    }
}
