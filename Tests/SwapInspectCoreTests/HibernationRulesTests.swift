import SwapInspectCore
import Testing

/// The parsers and rules of the hibernation check, on their own.
@Suite("hibernation rules")
struct HibernationRulesTests {
    @Test("the kernel command line: quotes, last value wins, -- ends it, resume_offset in every base")
    func kernelCommandLine() {
        let line = KernelCommandLine("ro quiet dyndbg=\"file x +p\" resume=/dev/sda1 resume=UUID=abc resume_offset=0x10 -- resume=init")
        #expect(line.words == ["ro", "quiet", "dyndbg=\"file x +p\"", "resume=/dev/sda1", "resume=UUID=abc", "resume_offset=0x10"])
        #expect(line.value("resume") == "UUID=abc")
        #expect(line.resumeOffset == 16)
        #expect(KernelCommandLine("resume_offset=010").resumeOffset == 8)
        #expect(KernelCommandLine("hibernate=noresume").noresume)
        #expect(KernelCommandLine("hibernate=no").nohibernate)
        let set = KernelCommandLine("quiet noresume resume=/dev/x resume_offset=9 splash").settingResume(device: "UUID=u", offset: 42)
        #expect(set.text == "quiet splash resume=UUID=u resume_offset=42")
    }

    @Test("resume= device numbers: MAJ:MIN and the bare hex form (new_decode_dev)")
    func deviceNumbers() {
        #expect(DeviceNumber(text: "254:1\n") == DeviceNumber(major: 254, minor: 1))
        #expect(DeviceNumber(hex: "0803") == DeviceNumber(major: 8, minor: 3))
        #expect(DeviceNumber(hex: "fe00") == DeviceNumber(major: 254, minor: 0))
    }

    @Test("shell assignments: sourced in order, $VAR expanded, += appends, arrays, comments")
    func shellAssignments() {
        let files = [
            ConfigFile(path: "/etc/default/grub", text: "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n# comment\nexport X='a $b'\n"),
            ConfigFile(path: "/etc/default/grub.d/x.cfg", text: "GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} resume=/dev/a\" # tail\n"),
            ConfigFile(path: "/etc/dracut.conf.d/a.conf", text: "omit_dracutmodules+=\" resume \"\nomit_dracutmodules+=\" nfs \"\nHOOKS=(base udev \"block\")\n"),
        ]
        let variables = ShellAssignments.evaluate(files)
        #expect(variables["GRUB_CMDLINE_LINUX_DEFAULT"]?.value == "quiet resume=/dev/a")
        #expect(variables["GRUB_CMDLINE_LINUX_DEFAULT"]?.file == "/etc/default/grub.d/x.cfg")
        #expect(variables["X"]?.value == "a $b")
        #expect(variables["omit_dracutmodules"]?.value == " resume  nfs ")
        #expect(variables["HOOKS"]?.value == "base udev block")
    }

    @Test("GRUB: a grub.d assignment that drops the resume parameters of /etc/default/grub is an override")
    func grubOverride() throws {
        var boot = BootFiles()
        boot.grubDefaults = [
            ConfigFile(path: "/etc/default/grub", text: "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet resume=/dev/a resume_offset=5\"\n"),
            ConfigFile(path: "/etc/default/grub.d/50.cfg", text: "GRUB_CMDLINE_LINUX_DEFAULT=\"console=ttyS0\"\n"),
        ]
        let source = try #require(NextBoot.sources(boot).first)
        #expect(source.overrides == "/etc/default/grub line 1")
        #expect(source.editor == .grubVariable(name: "GRUB_CMDLINE_LINUX_DEFAULT", file: "/etc/default/grub.d/50.cfg", line: 1))
        #expect(source.cmdline.words == ["console=ttyS0"])
    }

    @Test("BLS: GRUB expands $kernelopts from grubenv; the fix edits the entry's own words")
    func blsEntryWithGrubEnvironment() throws {
        var boot = BootFiles()
        boot.loaderEntries = [ConfigFile(path: "/boot/loader/entries/a.conf", text: "title RHEL\noptions $kernelopts ${tuned_params}\n")]
        boot.grubEnvironment = ConfigFile(
            path: "/boot/grub2/grubenv",
            text: "# GRUB Environment Block\nkernelopts=root=/dev/vda1 ro resume=/dev/vda2 quiet\nnote=a\\\\b\n" + String(repeating: "#", count: 900))
        let source = try #require(NextBoot.sources(boot).first)
        #expect(source.cmdline.words == ["root=/dev/vda1", "ro", "resume=/dev/vda2", "quiet"])
        #expect(source.editable.words == ["$kernelopts", "${tuned_params}"])
        #expect(source.location == "/boot/loader/entries/a.conf line 2 with $kernelopts from /boot/grub2/grubenv")
        #expect(source.editor == .loaderEntry(file: "/boot/loader/entries/a.conf", line: 2))
        let environment = GrubEnvironment(try #require(boot.grubEnvironment))
        #expect(environment.values["note"] == "a\\b")
        #expect(environment.expand("x=$note,${kernelopts}$ $9 end").text == "x=a\\b,root=/dev/vda1 ro resume=/dev/vda2 quiet$  end")
        // No grubenv (systemd-boot reads entries itself and expands nothing): the words as written.
        boot.grubEnvironment = nil
        #expect(try #require(NextBoot.sources(boot).first).cmdline.words == ["$kernelopts", "${tuned_params}"])
    }

    @Test("mkinitcpio: resume goes before filesystems; systemd needs none")
    func mkinitcpioHooks() {
        var boot = BootFiles()
        boot.mkinitcpio = [ConfigFile(path: "/etc/mkinitcpio.conf", text: "HOOKS=(base udev autodetect block filesystems fsck)\n")]
        let missing = InitramfsResume.evaluate(boot, resumeSpec: "UUID=u")
        #expect(missing.first?.replacement == "HOOKS=(base udev autodetect block resume filesystems fsck)")
        boot.mkinitcpio = [ConfigFile(path: "/etc/mkinitcpio.conf", text: "HOOKS=(base systemd autodetect block filesystems)\n")]
        #expect(InitramfsResume.evaluate(boot, resumeSpec: "UUID=u").first?.missing == nil)
    }

    /// logind's messages, verbatim (src/login/logind-dbus.c, method_do_shutdown_or_sleep).
    @Test("systemd-logind's refusals, in its own words")
    func systemdGoldenMessages() {
        #expect(SystemdDecision.stateNotSupported.message == "Sleep verb 'hibernate' is not configured or configuration is not supported by kernel")
        #expect(SystemdDecision.resumeNotSupported.message == "Not running on EFI and resume= is not set, or noresume is set. No available method to resume from hibernation")
        #expect(SystemdDecision.resumeDeviceMissing.message == "Specified resume device is missing or is not an active swap device")
        #expect(SystemdDecision.resumeMisconfigured.message == "Invalid resume config: resume= is not populated yet resume_offset= is")
        #expect(SystemdDecision.notEnoughSwapSpace.message == "Not enough suitable swap space for hibernation available on compatible block devices and file systems")
    }

    @Test("systemd's choice: resume= pins the area by device and its own offset; else priority or free space")
    func systemdChoice() {
        var facts = HibernationFacts()
        facts.powerState = "freeze mem disk"
        facts.activeAnonKiB = 1000
        var file = HibernationArea(path: "/swapfile", entry: ProcSwapsEntry(name: "/swapfile", type: "file", sizeKiB: 100000, usedKiB: 0, priority: -2))
        file.kind = .file
        file.device = DeviceNumber(major: 254, minor: 0)
        file.offsetSystemd = 687
        var zram = HibernationArea(path: "/dev/zram0", entry: ProcSwapsEntry(name: "/dev/zram0", type: "partition", sizeKiB: 900000, usedKiB: 0, priority: 100))
        zram.device = DeviceNumber(major: 251, minor: 0)
        facts.swaps = [zram, file]
        let device = DeviceNumber(major: 254, minor: 0)
        #expect(SystemdSleep.decide(facts, noresume: false, resume: device, offset: 687) == (.supported, 1))
        // The kernel's offset (688) is not systemd's (687): logind says the device is missing.
        #expect(SystemdSleep.decide(facts, noresume: false, resume: device, offset: 688).0 == .resumeDeviceMissing)
        #expect(SystemdSleep.decide(facts, noresume: false, resume: DeviceNumber(major: 0, minor: 0), offset: 5).0 == .resumeMisconfigured)
        #expect(SystemdSleep.decide(facts, noresume: false, resume: DeviceNumber(major: 0, minor: 0), offset: 0).0 == .resumeNotSupported)
        facts.efiBoot = true
        #expect(SystemdSleep.decide(facts, noresume: false, resume: DeviceNumber(major: 0, minor: 0), offset: 0) == (.supported, 1))
        facts.activeAnonKiB = 99000
        #expect(SystemdSleep.decide(facts, noresume: false, resume: DeviceNumber(major: 0, minor: 0), offset: 0).0 == .notEnoughSwapSpace)
        #expect(SystemdSleep.decide(facts, noresume: true, resume: device, offset: 687).0 == .resumeNotSupported)
    }

    @Test("the HibernateLocation variable decodes from efivarfs bytes")
    func efiVariable() throws {
        let json = "{\"uuid\":\"ab-cd\",\"offset\":1234,\"kernelVersion\":\"6.12\"}"
        var bytes: [UInt8] = [7, 0, 0, 0]
        for unit in json.utf16 + [0] { bytes += [UInt8(unit & 0xff), UInt8(unit >> 8)] }
        let location = try #require(EFIHibernateLocation(efivarfs: bytes))
        #expect(location.uuid == "ab-cd" && location.offset == 1234 && location.kernelVersion == "6.12")
    }
}

/// The whole check on synthetic facts: the 1 KiB-block case where systemd and the kernel disagree.
@Suite("hibernation check")
struct HibernationCheckTests {
    static func facts(kernel: UInt64, systemd: UInt64, configured: UInt64) -> HibernationFacts {
        var facts = HibernationFacts()
        facts.powerState = "freeze mem disk\n"
        facts.cmdline = "ro resume=/dev/vda2 resume_offset=\(configured)"
        facts.sysResume = DeviceNumber(major: 254, minor: 2)
        facts.sysResumeOffset = configured
        facts.activeAnonKiB = 100
        var area = HibernationArea(path: "/swapfile", entry: ProcSwapsEntry(name: "/swapfile", type: "file", sizeKiB: 592, usedKiB: 0, priority: -2))
        area.kind = .file
        area.device = DeviceNumber(major: 254, minor: 2)
        area.devicePath = "/dev/vda2"
        area.offsetKernel = kernel
        area.offsetSystemd = systemd
        area.offsetFilefrag = systemd * 4
        facts.swaps = [area]
        facts.boot.grubDefaults = [ConfigFile(path: "/etc/default/grub", text: "GRUB_CMDLINE_LINUX_DEFAULT=\"resume=/dev/vda2 resume_offset=\(configured)\"\n")]
        return facts
    }

    static func resolve(_ spec: String) -> DeviceNumber? { spec == "/dev/vda2" ? DeviceNumber(major: 254, minor: 2) : nil }

    @Test("§6 F3 (kernel 688, systemd 687): the kernel's value still leaves systemd refusing; systemd's is stale for the kernel")
    func systemdAndKernelDisagree() {
        let right = HibernationCheck.check(Self.facts(kernel: 688, systemd: 687, configured: 688), resolve: Self.resolve)
        #expect(right.findings.map(\.code) == [.systemdOffsetDiffers])
        #expect(right.systemd == .resumeDeviceMissing)
        let floor = HibernationCheck.check(Self.facts(kernel: 688, systemd: 687, configured: 687), resolve: Self.resolve)
        #expect(floor.findings.map(\.code) == [.systemdOffsetDiffers, .resumeOffsetMismatch, .resumeOffsetMismatch])
        // The three offsets are named where they differ.
        #expect(floor.findings[1].message.contains("systemd computes 687") && floor.findings[1].message.contains("filefrag recipe gives 2748"))
        #expect(floor.findings[2].fix == "sed -i '1c\\GRUB_CMDLINE_LINUX_DEFAULT=\"resume=/dev/vda2 resume_offset=688\"' /etc/default/grub && update-grub")
        #expect(floor.findings[1].fix == "printf '%s\\n' 688 > /sys/power/resume_offset")
    }

    @Test("an inactive area swapon would refuse (a read-only mount): not ready, its offsets still checked, no swapon fix")
    func inactiveAreaOnAReadOnlyMount() {
        var facts = Self.facts(kernel: 688, systemd: 688, configured: 4139)
        var area = facts.swaps[0]
        area.entry = nil
        area.openRefusal = "the file system is mounted read-only at /mnt: swapon fails with EROFS"
        facts.requested = area
        facts.swaps = []
        let verdict = HibernationCheck.check(facts, resolve: Self.resolve)
        #expect(verdict.undetermined == nil && !verdict.ready)
        let inactive = verdict.findings.first { $0.code == .areaInactive }
        #expect(inactive?.message.contains("EROFS") == true && inactive?.fix == nil, "\(verdict.findings)")
        #expect(verdict.findings.contains { $0.code == .resumeOffsetMismatch }, "\(verdict.findings)")
    }

    @Test("the swap header under a hibernation image: swsusp keeps the original magic in orig_sig")
    func swapHeaderUnderAHibernationImage() {
        var page = [UInt8](repeating: 0, count: 4096)
        page.replaceSubrange(4076..<4086, with: Array("SWAPSPACE2".utf8))
        page.replaceSubrange(4086..<4096, with: Array("S1SUSPEND\0".utf8))
        let restored = SwapHeaderLayout.headerUnderHibernationImage(page, pageSize: 4096)
        #expect(restored.map { Array($0[4086..<4096]) } == Array("SWAPSPACE2".utf8))
        #expect(restored.map { Array($0[0..<4086]) } == Array(page[0..<4086]))
        page.replaceSubrange(4076..<4086, with: [UInt8](repeating: 0, count: 10))
        #expect(SwapHeaderLayout.headerUnderHibernationImage(page, pageSize: 4096) == nil)
    }

    @Test("an aligned file: ready")
    func aligned() {
        let verdict = HibernationCheck.check(Self.facts(kernel: 688, systemd: 688, configured: 688), resolve: Self.resolve)
        #expect(verdict.ready && verdict.findings.isEmpty && verdict.systemd == .supported)
        #expect(verdict.summary == "hibernate ready")
    }
}
