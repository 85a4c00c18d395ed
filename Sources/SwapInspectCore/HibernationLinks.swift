/// The links of the chain after the kernel: the area, the resume configuration now and next boot,
/// the initramfs and the EFI variable.
extension HibernationRun {
    /// PATH, else the area systemd would hibernate into, else (to say what is wrong) the area on the
    /// configured device, else the one systemd would pick without resume=.
    mutating func chooseArea() {
        let now = self.now
        let (decision, chosen) = SystemdSleep.decide(
            facts, noresume: cmdline.noresume, resume: now.resolved ?? DeviceNumber(major: 0, minor: 0), offset: now.offset)
        verdict.systemd = decision
        if let requested = facts.requested {
            verdict.area = requested
        } else if let chosen {
            verdict.area = facts.swaps[chosen]
        } else if let device = now.resolved, let onDevice = facts.swaps.first(where: { $0.device == device && SystemdSleep.eligible($0) }) {
            verdict.area = onDevice
        } else if let any = SystemdSleep.choose(facts.swaps, resume: DeviceNumber(major: 0, minor: 0), offset: nil) {
            verdict.area = facts.swaps[any]
        }
        guard let area = verdict.area else {
            let zram = facts.swaps.contains { $0.isZram }
            add(zram ? .zramArea : .noHibernationArea,
                (zram ? "the only active swap is zram, which lives in RAM and cannot hold a hibernation image" : "no swap area is active")
                    + ": systemd refuses: \"\(SystemdDecision.notEnoughSwapSpace.message!)\"; activate a swap file or partition at least as large as Active(anon) in /proc/meminfo (swapinspect create, then swapinspect activate)")
            return
        }
        verdict.resumeDevice = area.deviceUUID.map { "UUID=\($0)" } ?? area.devicePath ?? area.device?.description
    }

    /// The area itself: active, not zram, inspected, with room for the image.
    mutating func checkArea() {
        guard let area = verdict.area else { return }
        if area.isZram {
            add(.zramArea, "\(area.path) is zram, which lives in RAM: a hibernation image written there is lost at power-off; hibernate into a swap file or partition")
            return
        }
        if area.entry == nil, let problem = area.problem {
            verdict.undetermined = problem
            return
        }
        guard let entry = area.entry else {
            let inactive = "\(area.path) is not active (/proc/swaps): the kernel writes the image only into an active swap area (swap_type_of)"
            if let refusal = area.openRefusal {
                add(.areaInactive, "\(inactive); and swapon(2) would refuse it as it is: \(refusal)")
            } else {
                add(.areaInactive, inactive, fix: facts.root == "/" ? fixes.swapon(area.path) : nil)
            }
            return
        }
        if let problem = area.problem {
            verdict.undetermined = "\(area.path): \(problem)"
            return
        }
        if area.device == nil || (area.isFile && area.offsetKernel == nil) {
            verdict.undetermined = "\(area.path): its device or its first swap extent is unknown, so is resume_offset"
            return
        }
        if let active = facts.activeAnonKiB {
            let free = entry.sizeKiB &- entry.usedKiB
            if Double(active) > Double(free) * SystemdSleep.threshold {
                add(.notEnoughSwap,
                    "Active(anon) is \(active) KiB (/proc/meminfo), more than 98% of the \(free) KiB free on \(area.path): systemd refuses: \"\(SystemdDecision.notEnoughSwapSpace.message!)\"; make the area larger than the memory in use")
            }
        }
        if area.isFile, let systemd = area.offsetSystemd, let kernel = area.offsetKernel, systemd != kernel {
            add(.systemdOffsetDiffers,
                "systemd computes resume_offset=\(systemd) for \(area.path) (its first extent floored to a page), the kernel matches \(kernel) (the first whole page): with resume_offset=\(kernel) systemd refuses: \"\(SystemdDecision.resumeDeviceMissing.message!)\", with \(systemd) the kernel finds no swap area; recreate the file page-aligned (on a file system with 4 KiB blocks)")
        }
    }

    /// The running kernel's resume device and offset against the area.
    /// Also for an inactive area whose layout is known: a stale offset is stale whether it is active or not.
    mutating func checkNow() {
        guard let area = verdict.area, area.entry != nil || area.offsetKernel != nil else { return }
        let now = self.now
        verdict.sysfs = facts.sysResume.map { ResumeSetting(source: "/sys/power/resume", device: $0.isZero ? nil : $0.description, resolved: $0.isZero ? nil : $0, offset: facts.sysResumeOffset) }
        let spec = cmdline.value("resume")
        verdict.cmdline = ResumeSetting(
            source: "/proc/cmdline", device: spec, resolved: spec.flatMap { HibernationCheck.resolveSpec($0, resolve) }, offset: cmdline.resumeOffset)
        let writable = facts.sysResumeOffset != nil
        let reboot = "; it is right after the next boot once the next boot's configuration is"
        guard let device = now.resolved else {
            if let offset = now.offset, offset > 0 {
                add(.resumeOffsetWithoutDevice,
                    "\(now.source) names no device but resume_offset is \(offset): systemd refuses: \"\(SystemdDecision.resumeMisconfigured.message!)\"",
                    fix: writable ? fixes.sysfsOffset(0) : nil)
            } else if !facts.efiBoot {
                add(.resumeNotConfigured,
                    "the running kernel has no resume device (\(now.source)) and this is no EFI boot: systemd refuses: \"\(SystemdDecision.resumeNotSupported.message!)\"\(reboot)")
            }
            return
        }
        if device != area.device {
            add(.resumeDeviceMismatch,
                "\(now.source) is \(now.device ?? device.description) (\(device)), but \(area.path) is on \(area.devicePath ?? "?") (\(area.device?.description ?? "?")): the image is written elsewhere or not at all\(reboot)")
        } else if area.isFile, let kernel = area.offsetKernel, (now.offset ?? 0) != kernel {
            add(.resumeOffsetMismatch,
                "\(now.source == "/sys/power/resume" ? "/sys/power/resume_offset" : "/proc/cmdline") has resume_offset=\(now.offset ?? 0), but the kernel matches \(kernel) for \(area.path) (its first swap extent)\(offsetsText(area))",
                fix: writable ? fixes.sysfsOffset(kernel) : nil)
        }
    }

    /// The other offsets, where they differ from the kernel's.
    func offsetsText(_ area: HibernationArea) -> String {
        var parts: [String] = []
        if let systemd = area.offsetSystemd, systemd != area.offsetKernel { parts.append("systemd computes \(systemd)") }
        if let filefrag = area.offsetFilefrag, filefrag != area.offsetKernel { parts.append("the filefrag recipe gives \(filefrag)") }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
    }
}
