import Foundation
import SwapInspectCore
import SwapInspectTestSupport
import Testing

extension SwapInspectKernelTests {
    /// A file system left with a journal or log to replay (the kernel's shutdown ioctl, `xfs_io -x -c
    /// 'shutdown -f'`: the log is flushed, the metadata is not written back), then unmounted: `image`
    /// reads the metadata as written and must say that the next mount replays the log first
    /// (`needs-recovery`, a warning); a clean unmount says nothing of the kind.
    @Suite("dirty journals and logs offline", .serialized)
    struct DirtyLog {
        /// The swap file made and written back (a read-only remount quiesces the log), then a change
        /// that stays in the log, then the shutdown; or, when `crash` is false, a clean unmount.
        static func build(_ filesystem: LoopFilesystem, crash: Bool) throws {
            let path = filesystem.path("swapfile")
            try SwapFile.dd(path, mebibytes: 16)
            try SwapFile.mkswap(path)
            try SwapFile.chmod600(path)
            try Tool.run("mount", ["-o", "remount,ro", filesystem.mountPoint])
            try Tool.run("mount", ["-o", "remount,rw", filesystem.mountPoint])
            try Tool.run("mkdir", [filesystem.path("after")])
            if crash { try Tool.run("xfs_io", ["-x", "-c", "shutdown -f", filesystem.mountPoint]) }
            try filesystem.unmount()
        }

        static func audit(_ image: String) throws -> (status: Int32, codes: [String], messages: [String], json: Data) {
            let result = try BuiltBinary.run(["image", "--json", "--no-fsck", "--page-size", "\(kernelTestPageSize)", image])
            let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] ?? [:]
            let reports = document["reports"] as? [[String: Any]] ?? []
            #expect(reports.count == 1, "\(result)")
            let findings = reports.first?["findings"] as? [[String: Any]] ?? []
            #expect((reports.first?["activation"] as? [String: Any])?["ok"] as? Bool == true, "\(result)")
            return (result.status, findings.compactMap { $0["code"] as? String }, findings.compactMap { $0["message"] as? String }, result.stdout)
        }

        @Test(arguments: [FilesystemSpec.xfs(blockSize: 4096), FilesystemSpec.ext4(blockSize: 4096)])
        func shutdownLeavesALogToReplay(spec: FilesystemSpec) throws {
            try LoopFilesystem.with(spec) { filesystem in
                try Self.build(filesystem, crash: true)
                let (status, codes, messages, _) = try Self.audit(filesystem.image)
                #expect(status == 0, "a warning: the verdict of the metadata as written stands")
                #expect(codes.contains("needs-recovery"), "\(codes)")
                let message = messages.first { $0.contains("needs recovery") } ?? ""
                let expected = spec.type == .xfs ? "the XFS log needs recovery (log tail: " : "the journal needs recovery (needs_recovery): "
                #expect(message.hasPrefix(expected), "\(message)")
                #expect(message.contains("the kernel replays it when it mounts \(filesystem.image), before swapon"))
                #expect(!codes.contains("filesystem-errors"))
                let strict = try BuiltBinary.run(["image", "--strict", "--no-fsck", filesystem.image])
                #expect(strict.status == 1, "\(strict)")
                // With e2fsck -fn (which skips journal recovery): what it finds before the replay is no damage.
                let checked = try BuiltBinary.run(["image", "--page-size", "\(kernelTestPageSize)", filesystem.image])
                #expect(checked.status == 0, "\(checked)")
                #expect(!checked.stdoutText.contains("filesystem-damaged") && !checked.stdoutText.contains("filesystem-errors"), "\(checked)")
                #expect(checked.stdoutText.contains("needs-recovery"), "\(checked)")
            }
        }

        /// A swap file made just before the shutdown is only in the log: not "nothing to audit", but
        /// "cannot audit" (exit 2) with the reason.
        @Test(arguments: [FilesystemSpec.xfs(blockSize: 4096), FilesystemSpec.ext4(blockSize: 4096)])
        func aSwapFileOnlyInTheLogIsNotNothing(spec: FilesystemSpec) throws {
            try LoopFilesystem.with(spec) { filesystem in
                let path = filesystem.path("swapfile")
                try SwapFile.dd(path, mebibytes: 4)
                try SwapFile.mkswap(path)
                try Tool.run("xfs_io", ["-x", "-c", "shutdown -f", filesystem.mountPoint])
                try filesystem.unmount()
                let result = try BuiltBinary.run(["image", "--no-fsck", filesystem.image])
                // Where the metadata was written back before the shutdown the file is audited (ext4's
                // jbd2 may have checkpointed it), otherwise the error must say why nothing is seen; XFS
                // writes nothing back before its log is quiesced.
                if spec.type == .ext4 && result.stdoutText.contains("/swapfile:") {
                    #expect(result.stdoutText.contains("needs-recovery"), "\(result)")
                } else {
                    #expect(result.status == 2, "\(result)")
                    #expect(result.stderr.contains("no swap file is there as written, but its "), "\(result)")
                    #expect(result.stderr.contains("needs recovery: one made shortly before the image was last used may be only in the log"))
                    #expect(!result.stderr.contains("nothing to audit"), "\(result)")
                }
            }
        }

        @Test(arguments: [FilesystemSpec.xfs(blockSize: 4096), FilesystemSpec.ext4(blockSize: 4096)])
        func cleanUnmountSaysNothing(spec: FilesystemSpec) throws {
            try LoopFilesystem.with(spec) { filesystem in
                try Self.build(filesystem, crash: false)
                let (status, codes, _, _) = try Self.audit(filesystem.image)
                #expect(status == 0)
                #expect(!codes.contains("needs-recovery"), "\(codes)")
            }
        }
    }
}
