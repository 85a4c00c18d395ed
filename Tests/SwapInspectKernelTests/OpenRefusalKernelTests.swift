import Foundation
import Glibc
import SwapInspectCore
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

extension SwapInspectKernelTests {
    /// swapon(2) opens the area O_RDWR|O_EXCL before anything else: each way that open fails, made for
    /// real, predicted by `inspect`, refused by `activate` without calling swapon(2), and answered by the
    /// kernel with the errno the prediction names.
    @Suite("open-time refusals against the kernel", .serialized)
    struct OpenRefusals {
        /// The prediction for `path`: (finding codes, activation.errno).
        static func predict(_ path: String) throws -> (codes: [String], errno: String?, fix: String?) {
            let result = try BuiltBinary.run(["--json", path])
            let report = try #require((try result.json()["reports"] as? [[String: Any]])?.first, "\(result)")
            let codes = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            let activation = report["activation"] as? [String: Any]
            #expect(activation?["ok"] as? Bool == false, "predicted to activate: \(result.stdoutText)")
            #expect(result.status == 1, "\(result)")
            let fix = (report["findings"] as? [[String: Any]] ?? []).first?["fix"] as? String
            return (codes, activation?["errno"] as? String, fix)
        }

        /// The C name of an errno the kernel returned.
        static func name(_ code: Int32) -> String {
            [EPERM: "EPERM", EROFS: "EROFS", EBUSY: "EBUSY", EINVAL: "EINVAL", ENOENT: "ENOENT"][code] ?? "errno \(code)"
        }

        /// The prediction, `activate` (refuses, nothing reaches the kernel), then swapon(2) itself.
        static func check(_ path: String, code: String, errno expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let prediction = try predict(path)
            #expect(prediction.codes.first == code, "findings \(prediction.codes)", sourceLocation: sourceLocation)
            #expect(prediction.errno == expected, sourceLocation: sourceLocation)

            let log = KernelLogCursor()
            let activate = try BuiltBinary.run(["activate", path])
            #expect(activate.status == 1, "\(activate)", sourceLocation: sourceLocation)
            #expect(activate.stderr.contains("refusing to call swapon(2): \(code)"), "\(activate.stderr)", sourceLocation: sourceLocation)
            #expect(try log.messages().filter { $0.contains("swap") }.isEmpty, "activate reached the kernel", sourceLocation: sourceLocation)

            let canonical = try Kernel.canonicalPath(path)
            let kernel = LibC.swapon(canonical)
            if kernel == 0 { _ = ActiveSwaps.swapoff(canonical) }
            #expect(name(kernel) == expected, "swapon(2) said \(name(kernel)), the prediction \(expected)", sourceLocation: sourceLocation)
            print("[kernel] \(path): swapon(2) \(name(kernel)), predicted \(prediction.errno ?? "-") (\(code))")

            // The fix, run as printed, removes the refusal: the area then activates as predicted.
            guard let fix = prediction.fix else { return }
            let ran = try BuiltBinary.runShell(fix)
            #expect(ran.status == 0, "\(fix): \(ran)", sourceLocation: sourceLocation)
            let fixed = try BuiltBinary.run(["--json", path])
            #expect(fixed.status == 0, "after \(fix): \(fixed.stdoutText)", sourceLocation: sourceLocation)
            let verdict = try Kernel.activate(path, via: .syscall)
            #expect(verdict.accepted, "after \(fix): \(verdict)", sourceLocation: sourceLocation)
            print("[kernel] fix ran: \(fix)")
        }

        /// A good 16 MiB swap file (it activates before the test changes one thing about it).
        static func swapFile(_ filesystem: LoopFilesystem) throws -> String {
            let path = filesystem.path("swapfile")
            try SwapFile.dd(path, mebibytes: 16)
            try SwapFile.mkswap(path)
            try SwapFile.chmod600(path)
            return path
        }

        @Test(arguments: [("+i", "immutable"), ("+a", "append-only")])
        func immutableAndAppendOnlyFilesAreEPERM(flag: String, _ what: String) throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = try Self.swapFile(filesystem)
                try Tool.run("chattr", [flag, path])
                defer { _ = try? Tool.run("chattr", ["-i", "-a", path], check: false) }
                try Self.check(path, code: "immutable", errno: "EPERM")
            }
        }

        @Test func aReadOnlyRemountIsEROFS() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = try Self.swapFile(filesystem)
                try Tool.run("mount", ["-o", "remount,ro", filesystem.mountPoint])
                defer { _ = try? Tool.run("mount", ["-o", "remount,rw", filesystem.mountPoint], check: false) }
                try Self.check(path, code: "read-only-mount", errno: "EROFS")
            }
        }

        /// The file system is writable; only this bind mount of it is read-only.
        @Test func aReadOnlyBindMountOfAWritableFileSystemIsEROFS() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                _ = try Self.swapFile(filesystem)
                let bind = filesystem.directory + "/bind"
                guard mkdir(bind, 0o700) == 0 else { throw TestSupportError("mkdir \(bind): \(LibC.describe(errno))") }
                try Tool.run("mount", ["--bind", filesystem.mountPoint, bind])
                defer { _ = try? Tool.run("umount", [bind], check: false) }
                try Tool.run("mount", ["-o", "remount,bind,ro", bind])
                try Self.check(bind + "/swapfile", code: "read-only-mount", errno: "EROFS")
                // The writable mount of the same file system still activates it.
                let writable = try BuiltBinary.run(["--json", filesystem.path("swapfile")])
                #expect(writable.status == 0, "\(writable)")
            }
        }

        /// `claim_swapfile` refuses an inode that is already swap, whatever name it is reached by: swapon(2)
        /// on a symbolic link to an active swap file is EBUSY, and so is swapinspect's `activate`, without
        /// calling it; `inspect` reports it in use (and still predicts a fresh activation, as documented).
        @Test func anAreaActiveUnderAnotherNameIsEBUSY() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = try Self.swapFile(filesystem)
                let link = filesystem.path("link-to-swapfile")
                guard symlink(path, link) == 0 else { throw TestSupportError("symlink: \(LibC.describe(errno))") }
                let canonical = try Kernel.canonicalPath(path)
                try #require(LibC.swapon(canonical) == 0, "swapon \(canonical)")
                defer { _ = ActiveSwaps.swapoff(canonical) }

                let inspected = try BuiltBinary.run(["--json", link])
                let report = try #require((try inspected.json()["reports"] as? [[String: Any]])?.first)
                let codes = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(codes.contains("in-use"), "\(inspected.stdoutText)")

                let log = KernelLogCursor()
                let activate = try BuiltBinary.run(["activate", "--dry-run", link])
                #expect(activate.status == 1, "\(activate)")
                #expect(activate.stderr.contains("swapon(2) would fail with EBUSY"), "\(activate.stderr)")
                #expect(try log.messages().filter { $0.contains("swap") }.isEmpty, "activate reached the kernel")
                #expect(Self.name(LibC.swapon(link)) == "EBUSY")
            }
        }

        @Test func aMountedBlockDeviceIsEBUSY() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let device = try #require(filesystem.device)
                try Self.check(device, code: "device-busy", errno: "EBUSY")
            }
        }

        /// A swap partition (a loop device over a mkswap'd file) that this test holds open O_EXCL.
        @Test func aDeviceHeldExclusivelyIsEBUSYAndFreeOnceReleased() throws {
            try KernelPrerequisites.require()
            let directory = try TemporaryDirectory(prefix: "swapinspect-excl", base: ScratchSpace.base)
            defer { directory.remove() }
            let image = directory.path + "/swap.img"
            try SwapFile.dd(image, mebibytes: 16)
            try SwapFile.mkswap(image)
            let loop = try LoopDevice(file: image)
            defer { _ = loop.detach() }
            let holder = open(loop.path, O_RDONLY | O_EXCL | O_CLOEXEC)
            try #require(holder >= 0, "open \(loop.path) O_EXCL: \(LibC.describe(errno))")
            do {
                defer { close(holder) }
                try Self.check(loop.path, code: "device-busy", errno: "EBUSY")
            }
            // Released: the same device now activates, as predicted.
            let free = try BuiltBinary.run(["--json", loop.path])
            #expect(free.status == 0, "\(free)")
            let verdict = try Kernel.activate(loop.path, via: .syscall)
            #expect(verdict.accepted, "\(verdict)")
        }
    }
}
