import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectTestSupport
import Testing

/// Bad images and bad names inside images: one clear line on stderr naming the image, exit status 2,
/// never a crash, and the image's bytes unchanged.
@Suite struct BadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        /// Damage done to a copy of a good ext4 image (with /swapfile, symlinks and an /etc/fstab).
        var damage: @Sendable (_ image: String, _ scratch: String) throws -> Void
        var arguments: [String]
        /// Expected in the one stderr line.
        var message: String
        /// The file inside the image the error is about (named `IMAGE:PATH`); nil: the image itself.
        var inside: String? = nil
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "truncated image", damage: { image, _ in try Tool.run("truncate", ["-s", "20M", image]) }, arguments: [],
             message: "truncated image"),
        Case(name: "zeroed superblock", damage: { image, _ in
            try Tool.run("dd", ["if=/dev/zero", "of=\(image)", "bs=1024", "seek=1", "count=1", "conv=notrunc", "status=none"])
        }, arguments: [], message: "no file system or swap signature found"),
        Case(name: "corrupt superblock", damage: { image, _ in
            // s_log_block_size garbage: libblkid still sees ext4 (checksum aside), libext2fs refuses it.
            try Tool.sh("printf 'XXXX' | dd of='\(image)' bs=1 seek=$((1024 + 0x68)) conv=notrunc status=none")
        }, arguments: [], message: "not a readable ext2/3/4 file system: Superblock checksum does not match superblock"),
        Case(name: "not a file system", damage: { image, _ in
            try Tool.run("dd", ["if=/dev/urandom", "of=\(image)", "bs=64K", "count=16", "status=none"])
        }, arguments: [], message: "no file system or swap signature found"),
        Case(name: "empty image", damage: { image, _ in try Tool.run("truncate", ["-s", "0", image]) }, arguments: [],
             message: "empty image"),
        Case(name: "missing path", damage: { _, _ in }, arguments: ["--path", "/nope/swapfile"],
             message: "cannot look up: no such file inside the image (/nope does not exist)", inside: "/nope/swapfile"),
        Case(name: "directory", damage: { _, _ in }, arguments: ["--path", "/etc"],
             message: "cannot audit: a directory, not a regular file (inside the image)", inside: "/etc"),
        Case(name: "dangling symlink", damage: { _, _ in }, arguments: ["--path", "/dangling"],
             message: "cannot look up: no such file inside the image (/nowhere does not exist)", inside: "/dangling"),
        Case(name: "symlink to a host path", damage: { _, _ in }, arguments: ["--path", "/hostlink"],
             message: "cannot look up: no such file inside the image", inside: "/hostlink"),
        Case(name: "symlink loop", damage: { _, _ in }, arguments: ["--path", "/loop1"],
             message: "cannot look up: too many levels of symbolic links inside the image", inside: "/loop1"),
        Case(name: "unparsable fstab", damage: { image, scratch in
            let fstab = scratch + "/bad-fstab"
            try "/swapfile none swap sw 0 0\nUUID=1234-5678\n".write(toFile: fstab, atomically: false, encoding: .utf8)
            try Fixtures.debugfs(image, write: ["rm /etc/fstab", "write \(fstab) /etc/fstab"])
        }, arguments: [], message: "cannot parse line 2: only one field", inside: "/etc/fstab"),
        Case(name: "no such partition", damage: { _, _ in }, arguments: ["--partition", "3"],
             message: "no partition table found (libblkid), so there is no partition 3"),
        Case(name: "offset beyond the end", damage: { _, _ in }, arguments: ["--offset", String(1 << 40)],
             message: "--offset \(1 << 40) is beyond the end of the image"),
    ]

    @Test(arguments: cases)
    func testBadInputIsOneLineExitTwoAndLeavesTheImageAlone(_ testCase: Case) throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try "/swapfile none swap sw 0 0\n".write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8)
        try Fixtures.swapFile(root + "/swapfile", bytes: 4 << 20)
        try FileManager.default.createSymbolicLink(atPath: root + "/dangling", withDestinationPath: "/nowhere/swap")
        // Exists on every host, never inside this image: following it on the host would be a bug.
        try FileManager.default.createSymbolicLink(atPath: root + "/hostlink", withDestinationPath: "/proc/self/status")
        try FileManager.default.createSymbolicLink(atPath: root + "/loop1", withDestinationPath: "/loop2")
        try FileManager.default.createSymbolicLink(atPath: root + "/loop2", withDestinationPath: "loop1")
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 64, root: root)
        try Fixtures.chownRoot(image, ["/swapfile"])
        try testCase.damage(image, scratch.path)

        let before = try Fixtures.sha256(image)
        let output = try BuiltBinary.run(["image", image] + testCase.arguments)
        #expect(output.status == 2, "\(output)")
        #expect(output.stderrLines.count == 1, "\(output)")
        let line = output.stderrLines.first ?? ""
        // An error about a file inside the image names it as IMAGE:PATH, one about the image the image.
        let subject = testCase.inside.map { "\(image):\($0)" } ?? image
        #expect(line.hasPrefix("swapinspect: \(subject): "), "\(line)")
        #expect(line.contains(testCase.message), "\(line)")
        #expect(try Fixtures.sha256(image) == before)

        // The same through JSON: still one document on stdout, the error in its errors array, with the
        // same path and the same message as the stderr line.
        let (jsonOutput, document) = try BuiltBinary.json(["image", image] + testCase.arguments)
        #expect(jsonOutput.status == 2)
        let errors = document["errors"] as? [[String: Any]] ?? []
        #expect(errors.count == 1, "\(jsonOutput)")
        #expect(errors.first?["path"] as? String == subject, "\(jsonOutput)")
        #expect(errors.first.flatMap { $0["message"] as? String }.map { "swapinspect: \($0)" } == line, "\(jsonOutput)")
    }

    @Test func testUsageErrorsExit64() throws {
        let output = try BuiltBinary.run(["image", "/dev/null", "--partition", "1", "--offset", "0"])
        #expect(output.status == 64)
        let relative = try BuiltBinary.run(["image", "/dev/null", "--path", "swapfile"])
        #expect(relative.status == 64)
    }

    @Test func testNotAnImageFile() throws {
        let output = try BuiltBinary.run(["image", "/proc"])
        #expect(output.status == 2)
        #expect(output.stderrLines == ["swapinspect: /proc: cannot audit: a directory, not an image file or block device"])
    }
}
