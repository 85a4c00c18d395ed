import Foundation
import Glibc
import SwapInspectCore
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

/// systemd's HibernateLocation EFI variable (efivarfs: 4 bytes of attributes, then UTF-16LE JSON) on a
/// UKI system without resume=, checked in process through the same seam as `--root`
/// (`SystemRoot`), with this machine's libblkid replaced by a table: the swap file's device has UUID
/// `uuid` (the disk the tests run on need not have one libblkid can read).
@Suite("hibernate with systemd's HibernateLocation")
struct HibernationEFITests {
    static let uuid = "6f1d2b0a-6f43-4c55-9d0e-1f2a3b4c5d6e"

    func verdict(_ system: HibernationSystem) -> HibernationVerdict {
        let facts = HibernationReader.facts(root: SystemRoot(system.root), path: nil, pageSize: 4096) { device in
            device == system.devicePath ? Self.uuid : nil
        }
        let device = DeviceNumber(text: system.device)
        return HibernationCheck.check(facts) { spec in
            spec == "UUID=\(Self.uuid)" || spec == system.devicePath ? device : nil
        }
    }

    /// The variable as systemd-sleep writes it (`efi_set_variable_string`: UTF-16LE with its NUL).
    func writeLocation(_ system: HibernationSystem, offset: UInt64) throws {
        let json = "{\"uuid\":\"\(Self.uuid)\",\"offset\":\(offset),\"kernelVersion\":\"6.12.0-1-cloud-amd64\",\"osReleaseId\":\"arch\"}"
        var bytes: [UInt8] = [0x07, 0, 0, 0]
        for unit in json.utf16 + [0] { bytes += [UInt8(unit & 0xff), UInt8(unit >> 8)] }
        try Data(bytes).write(to: URL(fileURLWithPath: system.root + "/sys/firmware/efi/efivars/" + EFIHibernateLocation.fileName))
    }

    @Test("without resume= an EFI boot with a systemd initramfs is ready; a stale HibernateLocation is found and removed by its fix")
    func hibernateLocation() throws {
        let system = try HibernationSystem.make(.uki)
        defer { system.dir.remove() }
        try system.write("/etc/kernel/cmdline", "root=/dev/vda1 rw quiet\n")
        try system.boot(cmdline: "BOOT_IMAGE=/vmlinuz root=/dev/vda1 rw quiet")
        var verdict = verdict(system)
        #expect(verdict.ready, "\(verdict.findings)")
        #expect(verdict.systemd == .supported)
        #expect(verdict.resumeDevice == "UUID=\(Self.uuid)")

        try writeLocation(system, offset: system.offset)
        verdict = self.verdict(system)
        #expect(verdict.ready && verdict.findings.isEmpty, "\(verdict.findings)")
        #expect(verdict.efi?.offset == system.offset)
        #expect(verdict.efi?.device == "UUID=\(Self.uuid)")

        try writeLocation(system, offset: system.offset + 8)
        verdict = self.verdict(system)
        let stale = try #require(verdict.findings.first { $0.code == .efiLocationStale })
        #expect(stale.severity == .warning)
        let fix = try #require(stale.fix)
        let ran = try Runner.run("/bin/sh", ["-c", fix])
        #expect(ran.status == 0, "\(fix): \(ran)")
        verdict = self.verdict(system)
        #expect(verdict.findings.isEmpty && verdict.efi == nil, "\(verdict.findings)")
    }

    @Test("without resume= and without EFI, systemd refuses with its own words")
    func noResumeNoEFI() throws {
        let system = try HibernationSystem.make(.arch)
        defer { system.dir.remove() }
        try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")
        try system.boot(cmdline: "BOOT_IMAGE=/vmlinuz ro quiet")
        let verdict = verdict(system)
        #expect(verdict.systemd == .resumeNotSupported)
        #expect(verdict.systemd.message == "Not running on EFI and resume= is not set, or noresume is set. No available method to resume from hibernation")
        #expect(verdict.findings.map(\.code).contains(.resumeNotConfigured))
        let next = try #require(verdict.findings.first { $0.code == .resumeNotConfigured && $0.fix != nil }?.fix)
        #expect(next.contains("resume=UUID=\(Self.uuid) resume_offset=\(system.offset)"))
    }
}
