import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

extension SwapInspectKernelTests {
    /// Areas that loop devices and LVM use: no fix that would overwrite them is printed.
    @Suite("no destructive fix over a loop device's backing file or an LVM volume", .serialized)
    struct NonDestructiveFixes {
        static let destructive = ["mkswap", "dd ", "rm ", "fallocate", "mv ", "cp ", "swapinspect create"]

        /// The findings of `inspect --json PATH`.
        static func findings(_ path: String) throws -> [[String: Any]] {
            let result = try BuiltBinary.run(["--json", path])
            let report = try #require((try result.json()["reports"] as? [[String: Any]])?.first, "\(result)")
            return report["findings"] as? [[String: Any]] ?? []
        }

        static func expectNoDestructiveFix(_ findings: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) {
            for finding in findings {
                let fix = finding["fix"] as? String ?? ""
                #expect(!destructive.contains { fix.contains($0) }, "destructive fix \(fix)", sourceLocation: sourceLocation)
            }
        }

        /// The image file behind a mounted loop device holds a file system and backs a loop device; the
        /// device itself is mounted (device-busy, no fix at all).
        @Test func theBackingFileOfAMountedLoopDeviceIsNeverOverwritten() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let device = try #require(filesystem.device)
                let image = try Kernel.canonicalPath(filesystem.image)
                let onImage = try Self.findings(image)
                Self.expectNoDestructiveFix(onImage)
                let message = onImage.first { $0["code"] as? String == "no-signature" }?["message"] as? String ?? ""
                #expect(message.contains("it holds a file system (ext4) and it is the backing file of \(device)"), "\(onImage)")
                let onDevice = try Self.findings(device)
                #expect(onDevice.compactMap { $0["code"] as? String } == ["device-busy"], "\(onDevice)")
                Self.expectNoDestructiveFix(onDevice)
            }
        }

        @Test(.enabled(if: Runner.tool("pvcreate") != nil, "pvcreate is not installed (Debian: lvm2)"))
        func anLVMPhysicalVolumeIsNeverOverwritten() throws {
            try KernelPrerequisites.require()
            let directory = try TemporaryDirectory(prefix: "swapinspect-lvm", base: ScratchSpace.base)
            defer { directory.remove() }
            let image = directory.path + "/pv.img"
            try SwapFile.dd(image, mebibytes: 16)
            let loop = try LoopDevice(file: image)
            defer { _ = loop.detach() }
            try Tool.run("pvcreate", ["-ff", "-y", loop.path])
            defer { _ = try? Tool.run("pvremove", ["-ff", "-y", loop.path], check: false) }
            let findings = try Self.findings(loop.path)
            Self.expectNoDestructiveFix(findings)
            let message = findings.first { $0["code"] as? String == "no-signature" }?["message"] as? String ?? ""
            #expect(message.contains("it holds an LVM physical volume"), "\(findings)")
        }
    }
}
