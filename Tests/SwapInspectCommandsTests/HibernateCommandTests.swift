import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// `swapinspect hibernate --root DIR` on systems the tests build (Debian: GRUB and initramfs-tools,
/// Fedora: BLS and dracut, Arch: mkinitcpio, a UKI with /etc/kernel/cmdline): each correct one is
/// ready; each single mistake gives its own finding, and its fixes, run as printed (with stand-ins for
/// update-grub and the initramfs generators), make the system ready after a reboot.
@Suite("hibernate on fixture systems")
struct HibernateCommandTests {
    @Test("a correct system is ready", arguments: HibernationSystem.Distro.allCases)
    func correctSystemIsReady(_ distro: HibernationSystem.Distro) throws {
        let system = try HibernationSystem.make(distro)
        defer { system.dir.remove() }
        let (status, hibernation, stdout) = try system.check()
        #expect(status == 0, "\(stdout)")
        #expect(hibernation["ready"] as? Bool == true)
        #expect(HibernationSystem.codes(hibernation).isEmpty, "\(stdout)")
        let resume = try #require(hibernation["resume"] as? [String: Any])
        #expect((resume["offsetKernel"] as? NSNumber)?.uint64Value == system.offset)
        #expect(resume["device"] as? String == system.devicePath)
        let area = try #require(hibernation["area"] as? [String: Any])
        #expect(area["path"] as? String == "/swapfile")
        #expect(area["deviceNumber"] as? String == system.device)
    }

    /// One mistake each: (name, distro, what breaks it, the finding it must give, a regeneration the
    /// fix must ask for).
    struct Mistake: CustomStringConvertible, Sendable {
        var name: String
        var distro: HibernationSystem.Distro
        var code: String
        var regenerates: String?
        var apply: @Sendable (HibernationSystem) throws -> Void
        var description: String { name }
    }

    static let mistakes: [Mistake] = [
        Mistake(name: "stale offset (GRUB)", distro: .debian, code: "resume-offset-mismatch", regenerates: "update-grub") { system in
            let stale = "resume=\(system.devicePath) resume_offset=\(system.offset + 4096)"
            try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet \(stale)\"\nGRUB_CMDLINE_LINUX=\"\"\n")
            try system.boot(cmdline: "BOOT_IMAGE=/vmlinuz ro quiet \(stale)")
        },
        Mistake(name: "wrong UUID", distro: .debian, code: "resume-device-mismatch", regenerates: "update-grub") { system in
            let wrong = "resume=UUID=0badc0de-0000-4000-8000-000000000000 resume_offset=\(system.offset)"
            try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet \(wrong)\"\n")
        },
        Mistake(name: "grub.d override", distro: .debian, code: "grub-override", regenerates: "update-grub") { system in
            try system.write("/etc/default/grub.d/50-cloudimg-settings.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0\"\n")
            try system.boot(cmdline: "BOOT_IMAGE=/vmlinuz ro console=tty1 console=ttyS0")
        },
        Mistake(name: "offset without device", distro: .debian, code: "resume-offset-without-device", regenerates: "update-grub") { system in
            // No RESUME= for initramfs-tools either (with one, the initramfs would take its device).
            system.remove("/etc/initramfs-tools/conf.d/resume")
            try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet resume_offset=\(system.offset)\"\n")
            try system.boot(cmdline: "BOOT_IMAGE=/vmlinuz ro quiet resume_offset=\(system.offset)")
        },
        // RESUME=none counts only where the command line names no device (initramfs-tools' init: a resume=
        // there replaces RESUME before RESUME=none is looked at).
        Mistake(name: "RESUME=none (initramfs-tools), no resume=", distro: .debian, code: "initramfs-no-resume", regenerates: "update-initramfs -u -k all") { system in
            try system.write("/etc/initramfs-tools/conf.d/resume", "RESUME=none\n")
            try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")
            try system.boot(cmdline: "BOOT_IMAGE=/vmlinuz ro quiet")
        },
        // Without resume= on the command line, initramfs-tools' RESUME= is what the initramfs resumes from.
        Mistake(name: "wrong RESUME= (initramfs-tools), no resume=", distro: .debian, code: "resume-device-mismatch", regenerates: "update-grub") { system in
            try system.write("/etc/initramfs-tools/conf.d/resume", "RESUME=UUID=0badc0de-0000-4000-8000-000000000000\n")
            try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet resume_offset=\(system.offset)\"\n")
        },
        Mistake(name: "stale offset (BLS)", distro: .fedora, code: "resume-offset-mismatch", regenerates: nil) { system in
            let path = "/boot/loader/entries/0123-6.12.0-1.fc41.x86_64.conf"
            try system.write(path, try system.read(path).replacingOccurrences(of: "resume_offset=\(system.offset)", with: "resume_offset=\(system.offset + 1)"))
        },
        // grubenv's kernelopts holds the stale offset; the entry's own options line is what the fix
        // rewrites (GRUB expands $kernelopts, then the appended resume parameters win).
        Mistake(name: "stale offset in grubenv's kernelopts (RHEL 8 BLS)", distro: .rhel8, code: "resume-offset-mismatch", regenerates: nil) { system in
            try system.writeGrubEnvironment(kernelopts: "root=/dev/mapper/rhel-root ro resume=\(system.devicePath) resume_offset=\(system.offset + 8) rhgb quiet")
            try system.reboot()
        },
        Mistake(name: "resume module omitted (dracut)", distro: .fedora, code: "initramfs-no-resume", regenerates: "dracut --regenerate-all --force") { system in
            try system.write("/etc/dracut.conf.d/90-omit.conf", "omit_dracutmodules+=\" resume plymouth \"\n")
        },
        Mistake(name: "missing resume hook (mkinitcpio)", distro: .arch, code: "initramfs-no-resume", regenerates: "mkinitcpio -P") { system in
            try system.write("/etc/mkinitcpio.conf", "HOOKS=(base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck)\n")
        },
        Mistake(name: "stale offset (UKI /etc/kernel/cmdline)", distro: .uki, code: "resume-offset-mismatch", regenerates: "mkinitcpio -P") { system in
            try system.write("/etc/kernel/cmdline", "root=/dev/vda1 rw quiet resume=\(system.devicePath) resume_offset=7\n")
        },
        Mistake(name: "noresume on the next boot", distro: .arch, code: "noresume", regenerates: "update-grub") { system in
            try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet noresume \(system.resume)\"\n")
        },
    ]

    @Test("each mistake gives its finding, and its fixes make the system ready", arguments: mistakes)
    func mistakeIsFoundAndFixed(_ mistake: Mistake) throws {
        let system = try HibernationSystem.make(mistake.distro)
        defer { system.dir.remove() }
        try mistake.apply(system)
        let (status, hibernation, stdout) = try system.check()
        #expect(status == 1, "\(stdout)")
        #expect(hibernation["ready"] as? Bool == false)
        let codes = HibernationSystem.codes(hibernation)
        #expect(codes.contains(mistake.code), "\(stdout)")
        let fixes = HibernationSystem.findings(hibernation).filter { $0["code"] as? String == mistake.code }.compactMap { $0["fix"] as? String }
        #expect(!fixes.isEmpty, "\(mistake.code) has no fix: \(stdout)")
        let commands = try system.apply(hibernation)
        if let regenerates = mistake.regenerates {
            #expect(commands.contains("chroot \(system.root) \(regenerates)"), "the fix did not regenerate: \(commands)")
        }
        try system.reboot()
        let (after, fixed, text) = try system.check()
        #expect(after == 0, "still not ready after the fixes and a reboot: \(text)")
        #expect(fixed["ready"] as? Bool == true)
    }

    /// initramfs-tools' init sources its configuration, then lets the command line's resume= replace RESUME:
    /// a RESUME=none or a stale RESUME= under a right resume= is no mistake; without resume= RESUME decides.
    @Test("initramfs-tools: the command line's resume= wins over RESUME=; without it RESUME= decides")
    func initramfsToolsResumeYieldsToTheCommandLine() throws {
        let system = try HibernationSystem.make(.debian)
        defer { system.dir.remove() }
        for conf in ["RESUME=none\n", "RESUME=UUID=0badc0de-0000-4000-8000-000000000000\n"] {
            try system.write("/etc/initramfs-tools/conf.d/resume", conf)
            let (status, hibernation, stdout) = try system.check()
            #expect(status == 0 && HibernationSystem.codes(hibernation).isEmpty, "\(conf): \(stdout)")
        }
        // No resume= in GRUB: RESUME= names the device, the command line's resume_offset= the place in it.
        try system.write("/etc/initramfs-tools/conf.d/resume", "RESUME=\(system.devicePath)\n")
        try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet resume_offset=\(system.offset)\"\n")
        let (_, hibernation, stdout) = try system.check()
        let codes = HibernationSystem.codes(hibernation)
        #expect(!codes.contains("resume-not-configured") && !codes.contains("resume-offset-without-device"), "\(stdout)")
        let configured = (hibernation["resume"] as? [String: Any])?["configured"] as? [String: Any]
        let next = try #require((configured?["nextBoot"] as? [[String: Any]])?.first, "\(stdout)")
        #expect(next["device"] as? String == system.devicePath, "\(next)")
        #expect((next["source"] as? String)?.contains("initramfs-tools' RESUME= of /etc/initramfs-tools/conf.d/resume line 1") == true, "\(next)")
    }

    @Test("zram and lockdown: found, with what to do in the message (no command fixes them)")
    func zramAndLockdown() throws {
        let system = try HibernationSystem.make(.debian)
        defer { system.dir.remove() }
        try system.write("/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t4194300\t\t0\t\t100\n")
        // Booted without resume=: systemd looks for an area itself, and zram is none.
        try system.boot(cmdline: "BOOT_IMAGE=/vmlinuz ro quiet")
        let (status, zram, stdout) = try system.check()
        #expect(status == 1)
        #expect(HibernationSystem.codes(zram).contains("zram-area"), "\(stdout)")
        #expect((zram["systemd"] as? [String: Any])?["message"] as? String
            == "Not enough suitable swap space for hibernation available on compatible block devices and file systems")

        try system.writeCommon()
        try system.write("/sys/kernel/security/lockdown", "none [integrity] confidentiality\n")
        try system.write("/sys/power/state", "freeze mem\n")
        let (locked, lockdown, text) = try system.check()
        #expect(locked == 1)
        #expect(HibernationSystem.codes(lockdown) == ["hibernation-locked-down"], "\(text)")
        #expect((lockdown["systemd"] as? [String: Any])?["message"] as? String
            == "Sleep verb 'hibernate' is not configured or configuration is not supported by kernel")
    }

    // With CI=true it runs without promtool too, and fails there (the Makefile installs prometheus).
    @Test(
        "--format=prometheus: ready 1 on a correct system, 0 with the finding's code on a broken one; promtool accepts both",
        .enabled(if: Runner.tool("promtool") != nil || ProcessInfo.processInfo.environment["CI"] == "true", "promtool is not installed"))
    func prometheusTextfile() throws {
        let promtool = try #require(Runner.tool("promtool"), "promtool (Debian package prometheus) is not installed")
        let system = try HibernationSystem.make(.debian)
        defer { system.dir.remove() }
        let file = system.root + ".prom"
        defer { unlink(file) }
        for (ready, status) in [(1, Int32(0)), (0, Int32(1))] {
            if ready == 0 { try system.write("/sys/kernel/security/lockdown", "none [integrity] confidentiality\n") }
            let run = try Runner.swapinspect(["hibernate", "--root", system.root, "--format=prometheus", "--output-file", file])
            #expect(run.status == status, "\(run)")
            #expect(run.stdout.isEmpty, "--output-file writes nothing on stdout")
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.contains("swapinspect_hibernate_ready{path=\"/swapfile\"} \(ready)\n"), "\(text)")
            #expect(text.contains("swapinspect_errors 0\n"), "\(text)")
            if ready == 0 {
                #expect(text.contains("swapinspect_hibernate_findings{path=\"/swapfile\",code=\"hibernation-locked-down\",severity=\"error\"} 1"), "\(text)")
            }
            let check = try Runner.run("/bin/sh", ["-c", "\"$0\" check metrics < \"$1\"", promtool, file])
            #expect(check.status == 0, "promtool check metrics: \(check)\n\(text)")
        }
    }

    @Test("an unreadable system cannot be judged: exit 2 with its reason")
    func missingSysfsCannotTell() throws {
        let system = try HibernationSystem.make(.debian)
        defer { system.dir.remove() }
        system.remove("/sys/power/state")
        let (status, hibernation, _) = try system.check()
        #expect(status == 2)
        #expect((hibernation["undetermined"] as? String)?.contains("/sys/power/state") == true)
        try system.writeCommon()
        // PATH that does not exist under the root: cannot tell, with the path's error.
        let missing = try Runner.swapinspect(["hibernate", "--root", system.root, "/nonexistent"])
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderr.contains("No such file or directory") || missing.stderr.contains("ENOENT"), "\(missing)")
        // A FIFO as PATH is looked at without blocking, and is no swap area.
        try #require(mkfifo(system.root + "/fifo", 0o600) == 0)
        let fifo = try Runner.swapinspect(["hibernate", "--root", system.root, "/fifo"], timeout: 20)
        #expect(!fifo.timedOut && fifo.status != 0, "\(fifo)")
    }
}
