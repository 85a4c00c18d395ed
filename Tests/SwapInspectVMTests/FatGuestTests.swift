import Foundation
import SwapInspectTestSupport
import Testing

/// Sub-page blocks (issue #17): this machine's kernel has no file system that runs
/// generic_swapfile_activate with blocks smaller than a page; the guest's vfat and exFAT map 512-byte
/// blocks (8 per page). Plan Tests/VM/plans/fat makes contiguous, fragmented, truncated and misaligned
/// swap files in the guest; for each, `inspect --json` in the guest must predict the guest kernel's
/// swapon(2): accepted or refused, the exact "Adding …" line (size, extents, across) or refusal, the errno.
extension SwapInspectVMTests {
    @Suite struct FatGuestTests {
        /// The vm_swap_case names of the fat plan, and whether the kernel activates that file (a check
        /// that the step built what it describes, not of the prediction).
        static let cases: [(name: String, blockSize: Int, kernelAccepts: Bool?)] = [
            ("vfat512-contiguous", 512, true), ("vfat512-fragmented-4k", 512, nil), ("vfat512-fragmented-6k", 512, nil),
            ("vfat512-fragmented-1536", 512, nil), ("vfat512-truncated", 512, true), ("vfat4k-misaligned", 512, true),
            ("exfat512-contiguous", 512, true), ("exfat512-fragmented-6k", 512, nil), ("exfat512-fragmented-1536", 512, nil),
            ("exfat512-truncated", 512, nil),
        ]

        @Test func inspectPredictsTheGuestKernelsSwapon() throws {
            try VMPrerequisites.require()
            let scratch = try TemporaryDirectory(prefix: "swapinspect-vm-fat")
            defer { scratch.remove() }
            var disks: [String] = []
            for kind in ["vfat512", "vfat4k-misaligned", "exfat512"] {
                let disk = scratch.file("\(kind).img")
                let made = try VMScript.run(["disk", kind, disk])
                try #require(made.status == 0, "vm.sh disk \(kind): \(made)")
                disks.append(disk)
            }
            let boot = try Guest(disks: disks, logDirectory: try logDirectory()).boot(name: "fat", plan: "fat")
            try #require(!boot.timedOut && boot.log.marker("done plan=fat") != nil, "the fat plan did not finish: \(boot.log.tail)")
            #expect(boot.log.failedSteps.isEmpty, "steps failed: \(boot.log.failedSteps) — \(boot.logPath)")
            var accepted = 0, refused = 0
            for expected in Self.cases {
                let swapCase = try SwapCase(expected.name, in: boot.log)
                #expect(swapCase.blockSize == expected.blockSize, "\(expected.name): block size \(swapCase.blockSize ?? 0)")
                if let accepts = expected.kernelAccepts {
                    #expect((swapCase.swaponStatus == 0) == accepts, "\(expected.name): the step did not build what it says: \(swapCase.kernelLog)")
                }
                for problem in swapCase.mismatches() { Issue.record(Comment(rawValue: problem)) }
                if swapCase.swaponStatus == 0 { accepted += 1 } else { refused += 1 }
            }
            // Both verdicts and partial pages must be among the cases, or the comparison proves little.
            #expect(accepted > 0 && refused > 0, "accepted \(accepted), refused \(refused)")
            try createdFilesActivate(boot.log)
        }

        /// HOOK for issue #12: the guest's create-hook step runs `swapinspect create` on vfat and exFAT
        /// once the tool has the command; the file must be created (exit 0) and activate as inspect
        /// predicts. Until then the step says it skipped, and so does this check.
        func createdFilesActivate(_ log: SerialLog) throws {
            if let skipped = log.record("create-hook") {
                print("FatGuestTests: create hook \(skipped)")
                return
            }
            for fs in ["vfat512", "exfat512"] {
                let name = "create-\(fs)"
                #expect(log.record("\(name).create-rc") == "0", "\(name): \(log.record("\(name).create-output") ?? "no output")")
                let swapCase = try SwapCase(name, in: log)
                #expect(swapCase.swaponStatus == 0, "\(name): the kernel refused the created file: \(swapCase.kernelLog)")
                for problem in swapCase.mismatches() { Issue.record(Comment(rawValue: problem)) }
            }
        }
    }
}

/// Where the serial logs of this run go (the build area, ignored by git; replaced by every run).
func logDirectory() throws -> String {
    let path = VMPrerequisites.buildArea + "/logs"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
