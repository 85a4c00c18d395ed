import Foundation
import Glibc
import SwapInspectCore
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

extension RunResult {
    /// stdout parsed as one JSON object.
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: stdout)
        return try #require(object as? [String: Any], "stdout is not a JSON object: \(stdoutText)")
    }
}

/// What /proc/swaps says now.
func activeSwaps() throws -> [ProcSwapsEntry] {
    ProcSwaps.parse(try String(contentsOfFile: "/proc/swaps", encoding: .utf8))
}

/// Deactivates `path` if a test left it active (the loop teardown does this too; this keeps the
/// /proc/swaps assertions of the next step independent of a failed one).
func ensureInactive(_ path: String) {
    guard let canonical = try? Kernel.canonicalPath(path) else { return }
    if (try? activeSwaps())?.contains(where: { $0.name == canonical }) == true { _ = ActiveSwaps.swapoff(canonical) }
}

extension SwapInspectKernelTests {
    @Suite("activate / deactivate / list on loop-mounted file systems", .serialized)
    struct Provisioning {
        static let filesystems: [FilesystemSpec] = [.ext4(blockSize: 4096), .xfs(blockSize: 4096)]

        @Test(arguments: filesystems)
        func activateListDeactivateCycleMatchesTheKernel(spec: FilesystemSpec) throws {
            try LoopFilesystem.with(spec) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 16)
                try SwapFile.mkswap(path)
                defer { ensureInactive(path) }
                let canonical = try Kernel.canonicalPath(path)

                let first = try BuiltBinary.run(["activate", "--json", path])
                #expect(first.status == 0, "\(first.stderr)")
                let action = try #require(try first.json()["action"] as? [String: Any])
                #expect(action["performed"] as? Bool == true)
                #expect(action["match"] as? Bool == true, "prediction vs kernel: \(action)")
                #expect(action["kernelLog"] as? String == action["predictedKernelLog"] as? String)
                let entry = try #require(try activeSwaps().first { $0.name == canonical })
                #expect(entry.sizeKiB == 16380)
                #expect(action["kernelSizeKiB"] as? Int == 16380)

                // Already active: EBUSY predicted, nothing called, /proc/swaps unchanged.
                let log = KernelLogCursor()
                let again = try BuiltBinary.run(["activate", path])
                #expect(again.status == 1)
                #expect(again.stderr.contains("already active"))
                #expect(try log.messages().filter { $0.contains("swap") }.isEmpty)
                let idempotent = try BuiltBinary.run(["activate", "--if-needed", "--json", path])
                #expect(idempotent.status == 0)
                let idempotentAction = try #require(try idempotent.json()["action"] as? [String: Any])
                #expect(idempotentAction["alreadyInState"] as? Bool == true)
                #expect(idempotentAction["performed"] as? Bool == false)
                #expect(try activeSwaps().filter { $0.name == canonical }.count == 1)

                // list, JSON and text
                let listed = try BuiltBinary.run(["list", "--json"])
                #expect(listed.status == 0, "\(listed.stderr)")
                let reports = try #require(try listed.json()["reports"] as? [[String: Any]])
                let report = try #require(reports.first { $0["path"] as? String == canonical })
                let active = try #require(report["active"] as? [String: Any])
                #expect(active["sizeKiB"] as? Int == 16380)
                let activation = try #require(report["activation"] as? [String: Any])
                #expect(activation["pages"] as? Int == 4095)
                let text = try BuiltBinary.run(["list"])
                #expect(text.stdoutText.hasPrefix("NAME"))
                #expect(text.stdoutText.contains(canonical))
                let bare = try BuiltBinary.run([])
                #expect(bare.stdoutText == text.stdoutText, "no PATH with swap active behaves like list")

                // deactivate, then again with and without --if-needed
                let off = try BuiltBinary.run(["deactivate", path])
                #expect(off.status == 0, "\(off.stderr)")
                #expect(try activeSwaps().allSatisfy { $0.name != canonical })
                #expect(try BuiltBinary.run(["deactivate", path]).status == 1)
                #expect(try BuiltBinary.run(["deactivate", "--if-needed", path]).status == 0)
            }
        }

        @Test func priorityAndDiscardReachTheKernel() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 8)
                try SwapFile.mkswap(path)
                defer { ensureInactive(path) }
                for (arguments, priority) in [(["--priority", "7", "--discard=once"], 7), (["--priority", "123", "--discard"], 123)] {
                    let run = try BuiltBinary.run(["activate", "--json"] + arguments + [path])
                    #expect(run.status == 0, "\(run.stderr)")
                    let action = try #require(try run.json()["action"] as? [String: Any])
                    let kernelLine = try #require(action["kernelLog"] as? String, "no Adding line read back: \(action)")
                    #expect(kernelLine.contains("Priority:\(priority) "))
                    #expect(kernelLine == action["predictedKernelLog"] as? String)
                    #expect(try activeSwaps().first { $0.name == (try? Kernel.canonicalPath(path)) }?.priority == priority)
                    #expect(try BuiltBinary.run(["deactivate", path]).status == 0)
                }
            }
        }

        enum Bad: String, CaseIterable, CustomTestStringConvertible {
            case sparse, badHeader, reflinked
            var testDescription: String { rawValue }
        }

        /// A refused area: exit 1 and swapon(2) never called — no swap message in the kernel log and
        /// /proc/swaps unchanged.
        @Test(arguments: Bad.allCases)
        func refusedAreasNeverReachSwapon(_ bad: Bad) throws {
            let spec: FilesystemSpec = bad == .reflinked ? .xfs(blockSize: 4096) : .ext4(blockSize: 4096)
            try LoopFilesystem.with(spec) { filesystem in
                let path = filesystem.path("swapfile")
                switch bad {
                case .sparse:
                    try SwapFile.sparse(path, bytes: 8 << 20)
                    try SwapFile.mkswap(path)
                case .badHeader:
                    try SwapFile.dd(path, mebibytes: 8, from: "/dev/urandom")
                case .reflinked:
                    try SwapFile.dd(path, mebibytes: 8)
                    try SwapFile.mkswap(path)
                    try SwapFile.reflinkCopy(path, to: filesystem.path("copy"))
                }
                try SwapFile.chmod600(path)
                defer { ensureInactive(path) }
                sync()
                let before = try activeSwaps()
                let log = KernelLogCursor()
                let run = try BuiltBinary.run(["activate", "--json", path])
                let messages = try log.messages().filter { $0.range(of: "swap", options: .caseInsensitive) != nil }
                #expect(run.status == 1, "\(run.stdoutText)\n\(run.stderr)")
                let action = try #require(try run.json()["action"] as? [String: Any])
                #expect(action["performed"] as? Bool == false)
                #expect((action["message"] as? String)?.contains("refusing to call swapon(2)") == true)
                #expect(messages.isEmpty, "swapon(2) was called: \(messages)")
                #expect(try activeSwaps() == before)
            }
        }
    }
}
