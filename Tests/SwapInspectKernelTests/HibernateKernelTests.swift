import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

// `swapinspect hibernate --root DIR` with a real swap file on a loop-mounted ext4 and btrfs: the
// file is activated by the real kernel first (GroundTruth.compare), then DIR (the mount point) gets
// the files of a ready system naming it by UUID (the loop device's, read by blkid and resolved by
// libblkid again in the tool). The offset the tool computes must equal the kernel's match rule (ext4,
// 4 KiB blocks: the physical block of file block 0, as debugfs maps it) and, on btrfs,
// `btrfs inspect-internal map-swapfile -r`.
extension SwapInspectKernelTests {
    @Suite("hibernate on loop-mounted file systems", .serialized)
    struct Hibernate {
        /// The files of a ready system under `root`, for the swap file `/swapfile` on `device`.
        func writeSystem(_ root: String, uuid: String, offset: UInt64, device: String) throws {
            func write(_ path: String, _ text: String) throws {
                try FileManager.default.createDirectory(atPath: (root + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: root + path, atomically: false, encoding: .utf8)
            }
            let resume = "resume=UUID=\(uuid) resume_offset=\(offset)"
            try write("/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile                               file\t\t65532\t\t0\t\t-2\n")
            try write("/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro quiet \(resume)\n")
            try write("/proc/meminfo", "Active(anon):      10000 kB\n")
            try write("/sys/power/state", "freeze mem disk\n")
            var status = stat()
            try #require(stat(device, &status) == 0)
            let rdev = UInt64(status.st_rdev)
            try write("/sys/power/resume", "\((rdev >> 8) & 0xfff):\((rdev & 0xff) | ((rdev >> 12) & 0xfff00))\n")
            try write("/sys/power/resume_offset", "\(offset)\n")
            try write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet \(resume)\"\n")
            try write("/etc/initramfs-tools/conf.d/resume", "RESUME=UUID=\(uuid)\n")
        }

        func check(_ filesystem: LoopFilesystem, expectedOffset: UInt64) throws {
            let device = try #require(filesystem.device)
            let uuid = try Tool.run("blkid", ["-p", "-s", "UUID", "-o", "value", device]).stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(!uuid.isEmpty, "blkid found no UUID on \(device)")
            try writeSystem(filesystem.mountPoint, uuid: uuid, offset: expectedOffset, device: device)
            let result = try BuiltBinary.run(["hibernate", "--root", filesystem.mountPoint, "--json"])
            let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result)")
            let hibernation = try #require(document["hibernation"] as? [String: Any])
            let resume = try #require(hibernation["resume"] as? [String: Any])
            #expect(result.status == 0, "\(result)")
            #expect((resume["offsetKernel"] as? NSNumber)?.uint64Value == expectedOffset, "\(result)")
            #expect(resume["device"] as? String == "UUID=\(uuid)")
            let next = (resume["configured"] as? [String: Any])?["nextBoot"] as? [[String: Any]]
            var status = stat()
            try #require(stat(device, &status) == 0)
            let rdev = UInt64(status.st_rdev)
            #expect(next?.first?["deviceNumber"] as? String == "\((rdev >> 8) & 0xfff):\((rdev & 0xff) | ((rdev >> 12) & 0xfff00))", "UUID= resolved by libblkid")

            // The same system with the offset filefrag users copy by mistake on btrfs, or one from an older file.
            try "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet resume=UUID=\(uuid) resume_offset=\(expectedOffset + 1)\"\n"
                .write(toFile: filesystem.mountPoint + "/etc/default/grub", atomically: false, encoding: .utf8)
            let stale = try BuiltBinary.run(["hibernate", "--root", filesystem.mountPoint, "--json"])
            #expect(stale.status == 1)
            #expect(stale.stdoutText.contains("\"resume-offset-mismatch\""), "\(stale)")
        }

        @Test func ext4SwapFileOffsetIsTheKernelsMatchValue() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096, sizeMiB: 128)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 64)
                try SwapFile.mkswap(path)
                let compared = try GroundTruth.compare(path)
                try #require(compared.kernel.accepted, "the kernel refused the swap file")
                // The kernel's first_se->start_block for 4 KiB blocks on 4 KiB pages: file block 0's physical block.
                sync()
                let mapped = try Tool.run("debugfs", ["-R", "bmap /swapfile 0", try #require(filesystem.device)]).stdoutText
                let block = try #require(UInt64(mapped.trimmingCharacters(in: .whitespacesAndNewlines)), "debugfs: \(mapped)")
                #expect(compared.report.resumeOffset == block)
                try check(filesystem, expectedOffset: block)
            }
        }

        @Test(.enabled(if: BtrfsPrerequisites.shouldRun)) func btrfsSwapFileOffsetIsMapSwapfiles() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let path = filesystem.path("swapfile")
                try BtrfsFile.mkswapfile(path, size: "64m")
                let compared = try GroundTruth.compare(path)
                try #require(compared.kernel.accepted, "the kernel refused the swap file")
                let mapped = try #require(try BtrfsFile.mapSwapfile(path), "map-swapfile refused the file")
                #expect(compared.report.resumeOffset == mapped)
                try check(filesystem, expectedOffset: mapped)
            }
        }
    }
}
