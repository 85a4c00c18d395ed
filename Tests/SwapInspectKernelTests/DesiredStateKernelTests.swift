import Foundation
import Glibc
import SwapInspectCore
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

/// `activate` as a desired state against the real kernel: delayed allocation synced as swapon(2) does,
/// `--if-needed` (equal, drift, `--reconcile`), `--all` over a test fstab, and `deactivate --if-needed`
/// of a path that does not exist.
extension SwapInspectKernelTests {
    @Suite("activate as desired state", .serialized)
    struct DesiredStateActivation {
        /// A swap file whose data is still in delayed allocation: `mkswap` fsyncs what it writes, so the
        /// header is made on a scratch file and copied with dd, which does not sync.
        static func delayedSwapFile(_ path: String, in filesystem: LoopFilesystem, mebibytes: Int = 16) throws {
            let scratch = filesystem.path("scratch-\(UUID().uuidString)")
            try SwapFile.dd(scratch, mebibytes: mebibytes)
            try SwapFile.mkswap(scratch)
            defer { unlink(scratch) }
            try Tool.run("dd", ["if=\(scratch)", "of=\(path)", "bs=1M", "status=none"])
            try SwapFile.chmod600(path)
        }

        static func action(_ run: RunResult) throws -> [String: Any] {
            try #require(try run.json()["action"] as? [String: Any], "no action: \(run.stdoutText)")
        }

        static func priority(of path: String) throws -> Int? {
            let canonical = try Kernel.canonicalPath(path)
            return try activeSwaps().first { $0.name == canonical }?.priority
        }

        @Test func delayedAllocationIsSyncedAndActivatesAsPredicted() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                try Self.delayedSwapFile(path, in: filesystem)
                defer { ensureInactive(path) }
                // The premise: inspect (no --sync) cannot judge it yet.
                let before = try BuiltBinary.run(["inspect", "--json", path])
                #expect(before.status == 2, "the file is not in delayed allocation any more: \(before.stdoutText)")
                #expect(before.stdoutText.contains("not-committed"))

                let run = try BuiltBinary.run(["activate", "--json", path])
                #expect(run.status == 0, "\(run.stderr)")
                let action = try Self.action(run)
                let kernelLine = try #require(action["kernelLog"] as? String, "no Adding line: \(action)")
                #expect(kernelLine == action["predictedKernelLog"] as? String)
                #expect(action["match"] as? Bool == true && action["changed"] as? Bool == true, "\(action)")
                let canonical = try Kernel.canonicalPath(path)
                #expect(try activeSwaps().first { $0.name == canonical }?.sizeKiB == 16380)
            }
        }

        @Test func ifNeededComparesAndReconcileReactivates() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 8)
                try SwapFile.mkswap(path)
                defer { ensureInactive(path) }
                #expect(try BuiltBinary.run(["activate", "--priority", "5", path]).status == 0)
                #expect(try Self.priority(of: path) == 5)

                let same = try BuiltBinary.run(["activate", "--if-needed", "--json", "--priority", "5", path])
                #expect(same.status == 0, "\(same.stderr)")
                let sameAction = try Self.action(same)
                #expect(sameAction["changed"] as? Bool == false && sameAction["alreadyInState"] as? Bool == true, "\(sameAction)")
                #expect((sameAction["drift"] as? [Any])?.isEmpty == true, "\(sameAction)")

                let log = KernelLogCursor()
                let drifted = try BuiltBinary.run(["activate", "--if-needed", "--json", "--priority", "6", "--discard=once", path])
                #expect(drifted.status == 1)
                #expect(drifted.stderr.contains("drifted") && drifted.stderr.split(separator: "\n").count == 1, "\(drifted.stderr)")
                let drift = try #require(try Self.action(drifted)["drift"] as? [[String: String]])
                #expect(drift == [
                    ["setting": "priority", "active": "5", "requested": "6"],
                    ["setting": "discard", "active": "none", "requested": "once"],
                ])
                #expect(try log.messages().filter { $0.contains("swap") }.isEmpty, "drift alone called the kernel")
                #expect(try Self.priority(of: path) == 5)

                let reconciled = try BuiltBinary.run(["activate", "--if-needed", "--reconcile", "--json", "--priority", "6", "--discard=once", path])
                #expect(reconciled.status == 0, "\(reconciled.stderr)")
                let action = try Self.action(reconciled)
                #expect(action["changed"] as? Bool == true && action["performed"] as? Bool == true, "\(action)")
                let line = try #require(action["kernelLog"] as? String, "\(action)")
                #expect(line == action["predictedKernelLog"] as? String)
                #expect(line.contains("Priority:6 ") && line.hasSuffix("Ds"), "\(line)")
                #expect(try Self.priority(of: path) == 6)

                // Now the discard policy is read back from that Adding line: equal, nothing changes.
                let settled = try BuiltBinary.run(["activate", "--if-needed", "--reconcile", "--json", "--priority", "6", "--discard=once", path])
                #expect(settled.status == 0, "\(settled.stderr)")
                #expect(try Self.action(settled)["changed"] as? Bool == false)
            }
        }

        @Test func allActivatesEachFstabEntryWithItsOptions() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let names = ["a", "b", "c"]
                for name in names {
                    try SwapFile.dd(filesystem.path(name), mebibytes: 8)
                    try SwapFile.mkswap(filesystem.path(name))
                }
                defer { for name in names { ensureInactive(filesystem.path(name)) } }
                let fstab = filesystem.path("fstab")
                try """
                    # a test fstab: never the host's
                    \(filesystem.path("a")) none swap pri=4 0 0
                    \(filesystem.path("b")) none swap noauto,pri=9 0 0
                    \(filesystem.path("missing")) none swap nofail 0 0
                    \(filesystem.path("c")) none swap discard=pages,pri=2 0 0

                    """.write(toFile: fstab, atomically: true, encoding: .utf8)

                let run = try BuiltBinary.run(["activate", "--all", "--fstab", fstab, "--json"])
                #expect(run.status == 0, "\(run.stderr)")
                let actions = try #require(try run.json()["actions"] as? [[String: Any]])
                #expect(actions.map { $0["fstabLine"] as? Int } == [2, 3, 4, 5])
                #expect(actions.map { $0["changed"] as? Bool } == [true, false, false, true])
                #expect((actions[2]["message"] as? String)?.contains("nofail") == true, "\(actions[2])")
                #expect(run.stderr.contains("warning:") && run.stderr.contains("missing"), "\(run.stderr)")
                for action in [actions[0], actions[3]] {
                    #expect(action["kernelLog"] as? String == action["predictedKernelLog"] as? String, "\(action)")
                }
                #expect((actions[3]["kernelLog"] as? String)?.hasSuffix("Dc") == true, "\(actions[3])")
                #expect(try Self.priority(of: filesystem.path("a")) == 4)
                #expect(try Self.priority(of: filesystem.path("b")) == nil, "noauto was activated")
                #expect(try Self.priority(of: filesystem.path("c")) == 2)

                // Again: like swapon -a, what is active is skipped.
                let again = try BuiltBinary.run(["activate", "--all", "--fstab", fstab, "--json"])
                #expect(again.status == 0, "\(again.stderr)")
                let skipped = try #require(try again.json()["actions"] as? [[String: Any]])
                #expect(skipped.allSatisfy { $0["changed"] as? Bool == false }, "\(skipped)")

                // Without nofail, a missing area is an error (exit 2).
                let strictFstab = filesystem.path("fstab.missing")
                try "\(filesystem.path("missing")) none swap defaults 0 0\n".write(toFile: strictFstab, atomically: true, encoding: .utf8)
                #expect(try BuiltBinary.run(["activate", "--all", "--fstab", strictFstab]).status == 2)
            }
        }

        /// A CRLF fstab (written on Windows, or by a tool that writes "\r\n"): libmount takes "\r\n" as the
        /// line ending, so `swapon -a` activates its entries as it would those of an LF file. `activate --all`
        /// must do the same: the kernel's Adding lines (priority, discard flags) of both runs are compared.
        @Test func allReadsACRLFFstabAsSwaponDoes() throws {
            let swapon = try #require(Tool.locate("swapon"), "swapon (util-linux) is not installed")
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let names = ["a", "b", "c"]
                for name in names {
                    try SwapFile.dd(filesystem.path(name), mebibytes: 8)
                    try SwapFile.mkswap(filesystem.path(name))
                }
                let all = names.map { filesystem.path($0) }
                defer { all.forEach(ensureInactive) }
                let fstab = filesystem.path("fstab")
                let text = "# a CRLF test fstab: never the host's\r\n\(all[0]) none swap pri=4 0 0\r\n\r\n"
                    + "\(all[1])\tnone swap noauto,pri=9 0 0\r\n\(all[2]) none swap discard=pages,pri=2\r\n"
                try Data(text.utf8).write(to: URL(fileURLWithPath: fstab))

                let canonical = try all.map(Kernel.canonicalPath)
                let adding = { (line: String) in line.hasPrefix("Adding ") && canonical.contains { line.contains($0) } }
                let ours = KernelLogCursor()
                let run = try BuiltBinary.run(["activate", "--all", "--fstab", fstab, "--json"])
                #expect(run.status == 0, "\(run.stderr)")
                let actions = try #require(try run.json()["actions"] as? [[String: Any]])
                #expect(actions.map { $0["fstabLine"] as? Int } == [2, 4, 5])
                #expect(actions.map { $0["changed"] as? Bool } == [true, false, true], "\(actions)")
                let ourLines = try ours.messages().filter(adding)
                let ourPriorities = try all.map(Self.priority(of:))
                all.forEach(ensureInactive)

                // util-linux's swapon -a reads the file named by LIBMOUNT_FSTAB instead of /etc/fstab.
                let theirs = KernelLogCursor()
                let reference = try Runner.run(swapon, ["-a", "-v"], environment: ["LIBMOUNT_FSTAB": fstab])
                #expect(reference.status == 0, "swapon -a: \(reference)")
                let theirLines = try theirs.messages().filter(adding)
                #expect(ourLines.count == 2 && ourLines == theirLines, "ours: \(ourLines)\nswapon -a: \(theirLines)")
                #expect(ourPriorities == [4, nil, 2])
                #expect(try all.map(Self.priority(of:)) == ourPriorities)
            }
        }

        /// A warning (mode 0644): `--strict` refuses before swapon(2); without it the area is activated and
        /// the text output still prints the warning after the outcome.
        @Test func strictRefusesWarningsAndTextPrintsThem() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 8)
                try SwapFile.mkswap(path)
                guard chmod(path, 0o644) == 0 else { throw TestSupportError("chmod \(path): \(LibC.describe(errno))") }
                defer { ensureInactive(path) }
                let log = KernelLogCursor()
                let strict = try BuiltBinary.run(["activate", "--strict", path])
                #expect(strict.status == 1)
                #expect(strict.stderr.contains("under --strict: insecure-permissions"), "\(strict.stderr)")
                #expect(try log.messages().filter { $0.contains("swap") }.isEmpty, "--strict called swapon(2)")
                #expect(try Self.priority(of: path) == nil)

                let relaxed = try BuiltBinary.run(["activate", path])
                #expect(relaxed.status == 0, "\(relaxed.stderr)")
                let lines = relaxed.stdoutText.split(separator: "\n")
                #expect(lines.first?.contains(": activated: Adding ") == true, "\(relaxed.stdoutText)")
                #expect(lines.contains { $0.hasPrefix("  warning insecure-permissions: ") }, "\(relaxed.stdoutText)")
                #expect(try Self.priority(of: path) != nil)
            }
        }

        @Test func deactivateIfNeededOfAMissingPathIsAnError() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let run = try BuiltBinary.run(["deactivate", "--if-needed", filesystem.path("missing")])
                #expect(run.status == 2)
                #expect(run.stderr.hasPrefix("swapinspect: ") && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
                #expect(run.stderr.contains("No such file or directory"), "\(run.stderr)")
            }
        }
    }
}
