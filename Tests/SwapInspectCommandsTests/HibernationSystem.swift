import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// A system under a temporary directory for `swapinspect hibernate --root DIR`: a real swap file
/// (`/swapfile`, on this machine's disk, so its extents are real), /proc, /sys and the boot
/// configuration of one distribution, each file written by the test.
struct HibernationSystem {
    let dir: TemporaryDirectory
    var root: String { dir.path }
    /// The device holding the swap file (`MAJ:MIN`) and its /dev name.
    let device: String
    let devicePath: String
    /// The kernel's resume_offset for /swapfile, found independently: `filefrag -e -b4096`'s first
    /// physical block (the file is fallocated on a 4 KiB-block file system: block = page).
    let offset: UInt64

    enum Distro: String, CaseIterable { case debian, fedora, rhel8, arch, uki }

    /// RHEL 8's BLS entry (and Rocky's, Alma's; Fedora's before 33): its options are grubenv's `kernelopts`.
    static let rhel8Entry = "/boot/loader/entries/0123-4.18.0-553.el8_10.x86_64.conf"

    static func make(_ distro: Distro) throws -> HibernationSystem {
        let dir = try TemporaryDirectory(prefix: "swapinspect-hibernate")
        let swapfile = dir.file("swapfile")
        let fallocate = try #require(Runner.tool("fallocate"), "fallocate (util-linux) is needed")
        let made = try Runner.run(fallocate, ["-l", "32M", swapfile])
        try #require(made.status == 0, "fallocate: \(made)")
        chmod(swapfile, 0o600)
        try Fixture.mkswap(swapfile, ["-q"])
        var status = stat()
        try #require(stat(swapfile, &status) == 0)
        let dev = UInt64(status.st_dev)
        let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~UInt64(0xFFF))
        let minor = (dev & 0xFF) | ((dev >> 12) & ~UInt64(0xFF))
        let number = "\(major):\(minor)"
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/sys/dev/block/\(number)")
        let system = HibernationSystem(
            dir: dir, device: number, devicePath: "/dev/" + (link.split(separator: "/").last.map(String.init) ?? ""),
            offset: try filefragOffset(swapfile))
        try system.writeCommon()
        try system.writeDistro(distro)
        return system
    }

    static func filefragOffset(_ path: String) throws -> UInt64 {
        let filefrag = try #require(Runner.tool("filefrag"), "filefrag (e2fsprogs) is needed")
        let result = try Runner.run(filefrag, ["-e", "-b4096", path])
        let text = String(decoding: result.stdout, as: UTF8.self)
        // "   0:        0..    8191:   15024128..  15032319:   8192:   last,unwritten,eof"
        let line = try #require(text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("0:") })
        let fields = line.split(separator: ":")
        let physical = try #require(fields.count > 2 ? fields[2].split(separator: ".").first : nil)
        return try #require(UInt64(physical.trimmingCharacters(in: .whitespaces)))
    }

    /// The resume parameters that are right for this system.
    var resume: String { "resume=\(devicePath) resume_offset=\(offset)" }

    func write(_ path: String, _ text: String) throws {
        let full = root + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: root + path, encoding: .utf8) }

    func remove(_ path: String) { unlink(root + path) }

    func writeCommon() throws {
        try write("/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile                               file\t\t32764\t\t0\t\t-2\n")
        try write("/proc/meminfo", "MemTotal:        2000000 kB\nActive(anon):      20000 kB\n")
        try write("/sys/power/state", "freeze mem disk\n")
        try write("/sys/power/image_size", "800000000\n")
        try write("/sys/kernel/security/lockdown", "[none] integrity confidentiality\n")
        try boot(cmdline: "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet \(resume)")
    }

    /// What the running kernel shows after booting with `cmdline`: /proc/cmdline, and /sys/power/resume
    /// and resume_offset as the kernel (or the initramfs) set them from resume= and resume_offset=.
    func boot(cmdline: String) throws {
        try write("/proc/cmdline", cmdline + "\n")
        let words = cmdline.split(separator: " ").map(String.init)
        let spec = words.last { $0.hasPrefix("resume=") }.map { String($0.dropFirst(7)) }
        let device = spec == devicePath || spec == device ? device : "0:0"
        let offset = words.last { $0.hasPrefix("resume_offset=") }.map { String($0.dropFirst(14)) } ?? "0"
        try write("/sys/power/resume", device + "\n")
        try write("/sys/power/resume_offset", offset + "\n")
    }

    func writeDistro(_ distro: Distro) throws {
        switch distro {
        case .debian:
            try write("/etc/default/grub", "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet \(resume)\"\nGRUB_CMDLINE_LINUX=\"\"\n")
            try write("/etc/default/grub.d/init-select.cfg", "# from the init-select package\nGRUB_TIMEOUT_STYLE=hidden\n")
            try write("/etc/initramfs-tools/initramfs.conf", "MODULES=most\nBUSYBOX=auto\n")
            try write("/etc/initramfs-tools/conf.d/resume", "RESUME=\(devicePath)\n")
        case .fedora:
            // BLS entries decide; /etc/default/grub only seeds new ones (and lacks resume here on purpose).
            try write("/etc/default/grub", "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"rhgb quiet\"\nGRUB_ENABLE_BLSCFG=true\n")
            try write("/boot/loader/entries/0123-6.12.0-1.fc41.x86_64.conf",
                "title Fedora Linux (6.12.0-1.fc41.x86_64)\nversion 6.12.0-1.fc41.x86_64\nlinux /vmlinuz-6.12.0-1.fc41.x86_64\ninitrd /initramfs-6.12.0-1.fc41.x86_64.img\noptions root=UUID=11111111-2222-3333-4444-555555555555 ro rhgb quiet \(resume)\ngrub_users $grub_users\n")
            try write("/etc/dracut.conf", "# see dracut.conf.d\n")
            try write("/etc/dracut.conf.d/resume.conf", "add_dracutmodules+=\" resume \"\n")
        case .rhel8:
            try write("/etc/default/grub", "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet\"\nGRUB_ENABLE_BLSCFG=true\n")
            try write(Self.rhel8Entry,
                "title Red Hat Enterprise Linux (4.18.0-553.el8_10.x86_64) 8.10 (Ootpa)\nversion 4.18.0-553.el8_10.x86_64\nlinux /vmlinuz-4.18.0-553.el8_10.x86_64\ninitrd $tuned_initrd /initramfs-4.18.0-553.el8_10.x86_64.img\noptions $kernelopts $tuned_params\nid rhel-20240101-4.18.0-553.el8_10.x86_64\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n")
            try writeGrubEnvironment(kernelopts: "root=/dev/mapper/rhel-root ro crashkernel=auto \(resume) rhgb quiet")
            try write("/etc/dracut.conf", "# see dracut.conf.d\n")
            try write("/etc/dracut.conf.d/resume.conf", "add_dracutmodules+=\" resume \"\n")
        case .arch:
            try write("/etc/default/grub", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"loglevel=3 quiet \(resume)\"\nGRUB_CMDLINE_LINUX=\"\"\n")
            try write("/etc/mkinitcpio.conf", "MODULES=()\nBINARIES=()\nFILES=()\nHOOKS=(base udev autodetect microcode modconf kms keyboard keymap consolefont block resume filesystems fsck)\n")
        case .uki:
            try write("/etc/kernel/cmdline", "root=/dev/vda1 rw quiet \(resume)\n")
            try write("/etc/mkinitcpio.conf", "HOOKS=(base systemd autodetect microcode modconf kms keyboard sd-vconsole block filesystems fsck)\n")
            try write("/sys/firmware/efi/efivars/.keep", "")
        }
    }

    /// Runs `swapinspect hibernate --root DIR --json` and returns its status and `hibernation` object.
    func check(_ extra: [String] = []) throws -> (status: Int32, hibernation: [String: Any], stdout: String) {
        let result = try Runner.swapinspect(["hibernate", "--root", root, "--json"] + extra)
        let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "not JSON: \(result)")
        let hibernation = try #require(document["hibernation"] as? [String: Any])
        let violations = try SchemaValidator.violations("hibernate", result.stdout)
        #expect(violations.isEmpty, "\(violations)")
        return (result.status, hibernation, String(decoding: result.stdout, as: UTF8.self))
    }

    static func findings(_ hibernation: [String: Any]) -> [[String: Any]] { hibernation["findings"] as? [[String: Any]] ?? [] }
    static func codes(_ hibernation: [String: Any]) -> [String] { findings(hibernation).compactMap { $0["code"] as? String } }

    /// Runs every fix as printed, with stand-ins for the commands that regenerate boot files (they
    /// record their arguments in a log of their own directory, removed afterwards); returns what they recorded.
    func apply(_ hibernation: [String: Any]) throws -> String {
        let tools = try TemporaryDirectory(prefix: "swapinspect-hibernate-stubs")
        defer { tools.remove() }
        let stubs = tools.file("bin")
        let log = tools.file("commands")
        try FileManager.default.createDirectory(atPath: stubs, withIntermediateDirectories: true)
        for name in ["update-grub", "update-initramfs", "dracut", "mkinitcpio", "kernel-install", "chroot", "grubby"] {
            let script = "#!/bin/sh\necho \"\(name) $*\" >> '\(log)'\n"
            try script.write(toFile: "\(stubs)/\(name)", atomically: false, encoding: .utf8)
            chmod("\(stubs)/\(name)", 0o755)
        }
        let path = stubs + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for fix in Self.findings(hibernation).compactMap({ $0["fix"] as? String }) {
            let ran = try Runner.run("/bin/sh", ["-c", fix], environment: ["PATH": path])
            try #require(ran.status == 0, "the fix failed: \(fix): \(ran)")
        }
        return (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    }

    /// /boot/grub2/grubenv as grub2-editenv writes it: a 1024-byte block padded with `#`.
    func writeGrubEnvironment(kernelopts: String) throws {
        let block = "# GRUB Environment Block\nsaved_entry=rhel-20240101-4.18.0-553.el8_10.x86_64\nkernelopts=\(kernelopts)\nboot_success=0\n"
        try write("/boot/grub2/grubenv", block + String(repeating: "#", count: max(0, 1024 - block.utf8.count)))
    }

    /// GRUB's expansion of `$name` in a BLS options line from grubenv (unset names are empty).
    func expandGrubVariables(_ options: String) throws -> String {
        let environment = (try? read("/boot/grub2/grubenv")) ?? ""
        var values: [String: String] = [:]
        for line in environment.split(separator: "\n") where !line.hasPrefix("#") {
            if let equals = line.firstIndex(of: "=") { values[String(line[..<equals])] = String(line[line.index(after: equals)...]) }
        }
        return options.split(separator: " ").map { word in
            word.hasPrefix("$") ? values[String(word.dropFirst())] ?? "" : String(word)
        }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// A reboot: the command line the boot loader now passes (found by the shell sourcing GRUB's
    /// defaults, or read from the BLS entry or /etc/kernel/cmdline), booted.
    func reboot() throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root + "/boot/loader/entries"))?.sorted() ?? []
        var cmdline: String
        if let entry = entries.first {
            let text = try read("/boot/loader/entries/" + entry)
            cmdline = try expandGrubVariables(text.split(separator: "\n").first { $0.hasPrefix("options ") }.map { String($0.dropFirst(8)) } ?? "")
        } else if FileManager.default.fileExists(atPath: root + "/etc/default/grub") {
            let script = ". ./etc/default/grub; for f in ./etc/default/grub.d/*.cfg; do [ -e \"$f\" ] && . \"$f\"; done; printf '%s %s' \"$GRUB_CMDLINE_LINUX\" \"$GRUB_CMDLINE_LINUX_DEFAULT\""
            let sourced = try Runner.run("/bin/sh", ["-c", "cd '\(root)' && \(script)"])
            cmdline = String(decoding: sourced.stdout, as: UTF8.self)
        } else {
            cmdline = try read("/etc/kernel/cmdline").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try boot(cmdline: "BOOT_IMAGE=/vmlinuz " + cmdline.trimmingCharacters(in: .whitespaces))
    }
}
