import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// `image` checks the image's own boot configuration for hibernating into the swap file of its
/// /etc/fstab: a golden image whose resume_offset does not match its swap file is found offline.
@Suite("image: the image's hibernation set-up")
struct ImageHibernationTests {
    /// The image, with /etc/fstab naming /swapfile and GRUB defaults carrying `resume` (the UUID
    /// placeholder `FSUUID` is the file system's, set with mke2fs -U).
    func image(_ dir: TemporaryDirectory, grub: String) throws -> String {
        let uuid = "3d0c6f5e-7a41-4f0e-9b1c-2a3b4c5d6e7f"
        let (_, image) = try Fixture.ext4ImageWithSwapFile(dir) { root in
            try FileManager.default.createDirectory(atPath: root + "/etc/default", withIntermediateDirectories: true)
            try "/swapfile none swap sw 0 0\n".write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8)
            try grub.replacingOccurrences(of: "FSUUID", with: uuid).write(toFile: root + "/etc/default/grub", atomically: false, encoding: .utf8)
        }
        // The file system's UUID is what resume=UUID= must name.
        let tune2fs = try #require(Runner.tool("tune2fs"), "tune2fs (e2fsprogs) is needed")
        let tuned = try Runner.run(tune2fs, ["-U", uuid, image])
        try #require(tuned.status == 0, "tune2fs: \(tuned)")
        return image
    }

    /// The swap file's first physical block, as debugfs (e2fsprogs, independent of libext2fs' callers
    /// here) maps logical block 0: with 4 KiB blocks, the kernel's resume_offset.
    func firstBlock(_ image: String) throws -> UInt64 {
        let debugfs = try #require(Runner.tool("debugfs"), "debugfs (e2fsprogs) is needed")
        let mapped = try Runner.run(debugfs, ["-R", "bmap /swapfile 0", image])
        return try #require(UInt64(String(decoding: mapped.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), "\(mapped)")
    }

    @Test("a stale resume_offset in the image's GRUB defaults is reported; the right one is not")
    func staleOffset() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let stale = try image(dir, grub: "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet resume=UUID=FSUUID resume_offset=123\"\n")
        let offset = try firstBlock(stale)
        #expect(offset != 123)
        let result = try Runner.swapinspect(["image", "--json", stale])
        #expect(result.status == 1, "\(result)")
        #expect(try SchemaValidator.violations("image-hibernation", result.stdout).isEmpty)
        let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let report = try #require((document["reports"] as? [[String: Any]])?.first)
        #expect((report["resumeOffset"] as? NSNumber)?.uint64Value == offset)
        let hibernation = try #require(report["hibernation"] as? [String: Any], "no hibernation object: \(result)")
        let codes = (hibernation["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
        #expect(codes == ["resume-offset-mismatch"], "\(codes)")
        #expect((report["findings"] as? [[String: Any]])?.contains { $0["code"] as? String == "resume-offset-mismatch" } == true)
        let text = try Runner.swapinspect(["image", stale])
        #expect(text.stdoutText.contains("resume-offset-mismatch"), "\(text)")
        #expect(text.stdoutText.contains("resume_offset=\(offset)"), "\(text)")

        let good = try TemporaryDirectory()
        defer { good.remove() }
        let right = try image(good, grub: "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet resume=UUID=FSUUID resume_offset=\(offset)\"\n")
        try #require(try firstBlock(right) == offset, "the two images lay the swap file out alike")
        let fine = try Runner.swapinspect(["image", "--json", right])
        #expect(fine.status == 0, "\(fine)")
        let fineDocument = try #require(try JSONSerialization.jsonObject(with: fine.stdout) as? [String: Any])
        let fineReport = try #require((fineDocument["reports"] as? [[String: Any]])?.first)
        #expect((fineReport["hibernation"] as? [String: Any])?["ready"] as? Bool == true)
    }

    @Test("resume= naming another file system's UUID is reported")
    func wrongUUID() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let image = try image(dir, grub: "GRUB_CMDLINE_LINUX_DEFAULT=\"resume=UUID=00000000-1111-2222-3333-444444444444\"\n")
        let result = try Runner.swapinspect(["image", "--json", image])
        #expect(result.status == 1)
        #expect(result.stdoutText.contains("\"resume-device-mismatch\""), "\(result)")
    }
}
