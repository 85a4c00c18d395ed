import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

/// Before a fix that writes over an area (mkswap, dd, recreating the file) is printed, what the area
/// holds is looked at: a partition table, a file system, a LUKS header or an LVM physical volume is never
/// offered for overwriting, and the message names what is there.
@Suite("no destructive fix over what an area holds")
struct NonDestructiveFixTests {
    /// The words that start a command writing over or replacing a file or device.
    static let destructive = ["mkswap", "dd ", "rm ", "fallocate", "mv ", "cp ", "wipefs", "swapinspect create"]

    /// Every finding of every report and probe of `arguments`: none has a destructive fix, and the first
    /// error names what the area holds.
    static func expectNoDestructiveFix(_ arguments: [String], holds: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try BuiltBinary.run(arguments + ["--json"])
        let document = try #require(
            try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result)", sourceLocation: sourceLocation)
        let entries = (document["reports"] as? [[String: Any]] ?? []) + (document["probes"] as? [[String: Any]] ?? [])
        try #require(!entries.isEmpty, "\(result)", sourceLocation: sourceLocation)
        let findings = entries.flatMap { $0["findings"] as? [[String: Any]] ?? [] }
        for finding in findings {
            let fix = finding["fix"] as? String ?? ""
            #expect(!Self.destructive.contains { fix.contains($0) }, "\(arguments): destructive fix \(fix)", sourceLocation: sourceLocation)
        }
        let error = findings.first { $0["severity"] as? String == "error" }
        let message = error?["message"] as? String ?? ""
        #expect(message.contains("no fix is proposed that would overwrite it: it holds \(holds)"), "\(message)", sourceLocation: sourceLocation)
        let text = try BuiltBinary.run(arguments)
        #expect(!text.stdoutText.contains("fix: mkswap"), "\(text.stdoutText)", sourceLocation: sourceLocation)
    }

    @Test func aGPTDiskImageIsNotOfferedToMkswap() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let image = dir.file("disk.img")
        try Fixture.writeFile(image, size: 32 * Fixture.mebibyte)
        try Tool.sh("printf 'label: gpt\\n,8M\\n,8M\\n,8M\\n' | sfdisk -q '\(image)'")
        for command in [["inspect"], ["probe"]] {
            try Self.expectNoDestructiveFix(command + [image], holds: "a gpt partition table with 3 partitions")
        }
        let text = try BuiltBinary.run([image])
        #expect(text.stdoutText.contains("did you mean `swapinspect image \(image)`?"), "\(text.stdoutText)")
    }

    @Test func anExt4ImageFileIsNotOfferedToMkswap() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let image = dir.file("fs.img")
        try Fixture.writeFile(image, size: 32 * Fixture.mebibyte)
        try Tool.run("mkfs.ext4", ["-q", "-F", image])
        try Self.expectNoDestructiveFix([image], holds: "a file system (ext4)")
    }

    /// A container image (told from its magic bytes, as `image` does) is named with the command that
    /// audits the disk inside it; exit 1 (swapon refuses the file: no signature), and no mkswap over it.
    @Test(arguments: [("qcow2", "qcow2"), ("vmdk", "vmdk"), ("vhdx", "vhdx"), ("vpc", "vhd"), ("vdi", "vdi")])
    func aContainerImageIsNamedWithTheCommandThatAuditsIt(driver: String, format: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let raw = dir.file("fs.img")
        try Fixture.writeFile(raw, size: 32 * Fixture.mebibyte)
        try Tool.run("mkfs.ext4", ["-q", "-F", raw])
        let image = dir.file("disk.\(driver)")
        try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", driver, raw, image])
        let holds = "a \(format) disk image (a disk of "
        for command in [["inspect"], ["probe"]] {
            try Self.expectNoDestructiveFix(command + [image], holds: holds)
            let json = try BuiltBinary.run(command + ["--json", image])
            #expect(json.status == 1, "\(json)")
            #expect(try SchemaValidator.violations("\(command[0])-\(driver)", json.stdout).isEmpty)
            let text = try BuiltBinary.run(command + [image])
            #expect(text.status == 1)
            #expect(text.stdoutText.contains("error no-signature: Unable to find swap-space signature — no fix is proposed that would overwrite it: it holds \(holds)"), "\(text.stdoutText)")
            #expect(text.stdoutText.contains("did you mean `swapinspect image \(image)`?"), "\(text.stdoutText)")
        }
        // And what it names works: the disk inside is audited (an ext4 without a swap file: nothing to audit).
        let audit = try BuiltBinary.run(["image", image])
        #expect(audit.stderr.contains("no swap area, and its file systems no swap file"), "\(audit)")
    }

    @Test(.enabled(if: Runner.tool("cryptsetup") != nil, "cryptsetup is not installed (Debian: cryptsetup-bin)"))
    func aLUKSHeaderIsNotOfferedToMkswap() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let volume = dir.file("luks.img")
        try Fixture.writeFile(volume, size: 32 * Fixture.mebibyte)
        let key = dir.file("key")
        try "not a secret".write(toFile: key, atomically: false, encoding: .utf8)
        // The cheapest key derivation: the test needs the header, not its strength.
        try Tool.run(
            "cryptsetup",
            ["luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
             "--key-file", key, volume])
        for command in [["inspect"], ["probe"]] {
            try Self.expectNoDestructiveFix(command + [volume], holds: "a LUKS header")
        }
    }

    /// An area that holds nothing but an unusable header keeps its fix.
    @Test func aPlainFileWithoutASignatureStillGetsMkswap() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.file("zeroes")
        try Fixture.writeFile(file, size: 16 * Fixture.mebibyte)
        let result = try BuiltBinary.run([file])
        #expect(result.stdoutText.contains("fix: mkswap -p 4096 \(file)"), "\(result.stdoutText)")
    }
}
