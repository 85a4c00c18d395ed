import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectTestSupport
import Testing

/// A LUKS volume inside an image is named as such, with the commands that would open it, never as a
/// corrupt or empty area; the rest of the disk is still audited.
@Suite struct VolumeMemberTests {
    static func luks(_ path: String, sizeMiB: Int) throws {
        try Tool.run("truncate", ["-s", "\(sizeMiB)M", path])
        try Tool.sh(
            "printf pw | cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file - '\(path)'")
    }

    @Test func testLuksImageIsNamedWithTheCommandToOpenIt() throws {
        let scratch = try Scratch()
        let image = scratch.file("luks.img")
        try Self.luks(image, sizeMiB: 32)
        let result = try BuiltBinary.run(["image", image])
        #expect(result.status == 2)
        #expect(result.stdoutText.contains("a LUKS-encrypted volume (crypto_LUKS)"))
        #expect(result.stdoutText.contains("cryptsetup open --readonly"))
        #expect(!result.stdoutText.contains("corrupt") && !result.stderr.contains("corrupt"))
    }

    @Test func testLuksPartitionBesideARootFilesystem() throws {
        let scratch = try Scratch()
        let luks = scratch.file("luks-part.img")
        try Self.luks(luks, sizeMiB: 20)
        let fixture = try DiskFixture.build(
            in: scratch, fstab: nil, extraPartition: (type: DiskFixture.linuxType, image: luks, sizeMiB: 20))
        let audit = ImageAuditor.audit(image: fixture.disk, options: ImageAuditOptions(pageSize: 4096))
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        let member = try #require(audit.reports.first { $0.facts.path == "\(fixture.disk):3" })
        #expect(member.findings.map(\.code) == [.unsupportedFilesystem])
        #expect(member.findings.first?.message.hasPrefix("a LUKS-encrypted volume (crypto_LUKS)") == true)
        #expect(member.image?.filesystem.type == "crypto_LUKS")
        // The root file system's swap file and the swap partition are audited as before.
        #expect(audit.reports.contains { $0.facts.path == "/swapfile" && $0.activation?.ok == true })
        #expect(audit.reports.contains { $0.facts.path == "\(fixture.disk):2" && $0.activation?.ok == true })
    }
}
