import Foundation
import SwapInspectTestSupport
import Testing

/// One swap file of the fat plan: the vm_swap_case name, and whether the kernel activates it where the
/// step means to build a file it activates (a check that the step built what it says, not of the
/// prediction; nil where the kernel's verdict is only compared).
struct FatCase: Sendable, CustomTestStringConvertible {
    var name: String
    var kernelAccepts: Bool?
    var testDescription: String { name }
}

/// Sub-page blocks (issue #17): this machine's kernel has no file system that runs
/// generic_swapfile_activate with blocks smaller than a page; the guest's vfat and exFAT map 512-byte
/// blocks (8 per page). Plan Tests/VM/plans/fat makes contiguous, fragmented, truncated and misaligned
/// swap files in the guest; for each, `inspect --json` in the guest must predict the guest kernel's
/// swapon(2): accepted or refused, the exact "Adding …" line (size, extents, across) or refusal, the errno.
/// One boot serves every case.
extension SwapInspectVMTests {
    @Suite struct FatGuestTests {
        static let cases: [FatCase] = [
            FatCase(name: "vfat512-contiguous", kernelAccepts: true), FatCase(name: "vfat512-fragmented-4k"),
            FatCase(name: "vfat512-fragmented-6k"), FatCase(name: "vfat512-fragmented-1536"),
            FatCase(name: "vfat512-truncated", kernelAccepts: true), FatCase(name: "vfat4k-misaligned", kernelAccepts: true),
            FatCase(name: "exfat512-contiguous", kernelAccepts: true), FatCase(name: "exfat512-fragmented-6k"),
            FatCase(name: "exfat512-fragmented-1536"), FatCase(name: "exfat512-truncated"),
        ]

        /// The boot of the fat plan (vda vfat512, vdb vfat4k-misaligned, vdc exfat512), once per test run.
        static let boot: Result<SerialLog, Error> = Result {
            try VMPrerequisites.require()
            let scratch = try TemporaryDirectory(prefix: "swapinspect-vm-fat")
            defer { scratch.remove() }
            let disks = try ["vfat512", "vfat4k-misaligned", "exfat512"].map { try VMScript.disk($0, in: scratch) }
            let boot = try Guest(disks: disks, logDirectory: try logDirectory()).boot(name: "fat", plan: "fat")
            guard !boot.timedOut, boot.log.marker("done plan=fat") != nil else {
                throw TestSupportError("the fat plan did not finish (\(boot.logPath)):\n\(boot.log.tail)")
            }
            return boot.log
        }

        @Test func everyStepRanAndBothVerdictsOccur() throws {
            let log = try Self.boot.get()
            #expect(log.failedSteps.isEmpty, "steps failed: \(log.failedSteps)")
            let verdicts = try Self.cases.map { try SwapCase($0.name, in: log).swaponStatus == 0 }
            // Accepted and refused files must both be among the cases, or the comparison proves little.
            #expect(verdicts.contains(true) && verdicts.contains(false), "kernel verdicts: \(verdicts)")
        }

        @Test(arguments: cases) func inspectPredictsTheGuestKernelsSwapon(_ expected: FatCase) throws {
            let swapCase = try SwapCase(expected.name, in: try Self.boot.get())
            #expect(swapCase.blockSize == 512, "block size \(swapCase.blockSize ?? 0): not the sub-page case")
            if let accepts = expected.kernelAccepts {
                #expect((swapCase.swaponStatus == 0) == accepts, "the step did not build what it says: \(swapCase.kernelLog)")
            }
            for problem in swapCase.mismatches() { Issue.record(Comment(rawValue: problem)) }
        }

        /// `swapinspect create --size 4M` (issue #12) on vfat and exFAT (the create-hook step): exit 0, the
        /// blocks zero-filled (the strategy generic_swapfile_activate needs, and no byte after the header
        /// page is anything else), and the kernel activates the file with the Adding line both create's
        /// own report and a fresh inspect predicted.
        @Test(arguments: ["vfat512", "exfat512"]) func createdFileActivates(_ fs: String) throws {
            let log = try Self.boot.get()
            let name = "create-\(fs)"
            let stderr = log.record("\(name).create-stderr") ?? "no stderr"
            try #require(log.record("\(name).create-rc") == "0", "\(name): create exited \(log.record("\(name).create-rc") ?? "never ran"): \(stderr)")
            let json = try #require(log.record("\(name).create-json"), "\(name): create printed no JSON: \(stderr)")
            let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8))
            let document = try #require(parsed as? [String: Any], "\(name): \(json)")
            let action = try #require(document["action"] as? [String: Any], "\(name): \(json)")
            let created = try #require(action["create"] as? [String: Any], "\(name): \(json)")
            #expect(action["performed"] as? Bool == true, "\(name): \(json)")
            #expect(created["strategy"] as? String == "zeroFill", "\(name): \(json)")
            // 4M is 1024 pages with the header page: 1023 usable (the file may get a page more where its
            // first block is not page-aligned on the disk, as generic_swapfile_activate drops that page).
            #expect(created["usableKiB"] as? Int == 4092, "\(name): \(json)")
            #expect(log.record("\(name).nonzero-bytes") == "0", "\(name): bytes after the header page that are not zero")
            let swapCase = try SwapCase(name, in: log)
            #expect(swapCase.blockSize == 512, "\(name): block size \(swapCase.blockSize ?? 0): not the sub-page case")
            #expect(swapCase.swaponStatus == 0, "\(name): the kernel refused the created file: \(swapCase.kernelLog)")
            for problem in swapCase.mismatches() { Issue.record(Comment(rawValue: problem)) }
            let ownReport = (document["reports"] as? [[String: Any]])?.first ?? [:]
            let ownActivation = ownReport["activation"] as? [String: Any] ?? [:]
            let ownPrediction = ownActivation["kernelLog"] as? String
            #expect(swapCase.addingLine?.hasPrefix("Adding 4092k swap on ") == true, "\(name): \(swapCase.kernelLog)")
            #expect(ownPrediction != nil && ownPrediction == swapCase.addingLine,
                    "\(name): create predicted '\(ownPrediction ?? "nil")', the kernel logged '\(swapCase.addingLine ?? "nothing")'")
        }

        /// vfat and exFAT keep no modes (the fat-modes step, after create-hook): create's report warns
        /// about the 0755 its file gets from the guest's umask with no fix — chmod 0600 and a remount
        /// with new masks change nothing, as the guest shows — and with the advice's mount options,
        /// fmask=0177,dmask=0077 on a new mount, the file is 0600 and inspect finds nothing to warn of.
        @Test(arguments: ["vfat512", "exfat512"]) func modesComeFromTheMount(_ fs: String) throws {
            let log = try Self.boot.get()
            let json = try #require(log.record("create-\(fs).create-json"), "\(fs): create printed no JSON")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let findings = (document["reports"] as? [[String: Any]])?.first?["findings"] as? [[String: Any]] ?? []
            let permissions = try #require(findings.first { $0["code"] as? String == "insecure-permissions" }, "\(fs): \(findings)")
            #expect(permissions["fix"] as? String == nil, "\(fs): \(permissions)")
            let message = permissions["message"] as? String ?? ""
            #expect(message.contains("fmask=0177,dmask=0077") && message.contains("mount /mnt/\(fs) with"), "\(fs): \(message)")
            let before = log.record("modes-\(fs).before")
            #expect(before == "755", "\(fs): the created file is \(before ?? "missing")")
            #expect(log.record("modes-\(fs).chmod") == before, "\(fs): chmod 0600 changed the mode")
            #expect(log.record("modes-\(fs).remount") == before, "\(fs): a remount applied the new masks")
            #expect(log.record("modes-\(fs).mounted") == "600", "\(fs): \(log.record("modes-\(fs).mounted") ?? "missing")")
            #expect(log.record("modes-\(fs).inspect-rc") == "0", "\(fs): \(log.record("modes-\(fs).inspect") ?? "")")
            let after = try #require(log.record("modes-\(fs).inspect"), "\(fs): no inspect report")
            #expect(!after.contains("insecure-permissions"), "\(fs): \(after)")
        }
    }
}

/// Where the serial logs of this run go (the build area, ignored by git; replaced by every run).
func logDirectory() throws -> String {
    let path = VMPrerequisites.buildArea + "/logs"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
