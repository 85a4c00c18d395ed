import Foundation
import Glibc
import SwapInspectCore
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

/// `create` against the real kernel: the file it makes activates with swapon(2) as its report
/// predicted; where the kernel cannot swap nothing is created; failures and signals leave nothing
/// (SIGKILL: only the temporary file, which the next `create` removes); fstab edits are idempotent.
enum Created {
    /// `swapinspect create --json ARGS…`, with the document's action.
    static func run(_ arguments: [String]) throws -> (result: RunResult, action: [String: Any]?) {
        let result = try BuiltBinary.run(["create", "--json"] + arguments, timeout: 600)
        let action = (try? result.json())?["action"] as? [String: Any]
        return (result, action)
    }

    /// The names in `directory` other than `.`/`..` (temporary files included).
    static func names(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    static func temporaries(_ directory: String) -> [String] {
        names(directory).filter { $0.contains(".swapinspect-") }
    }

    /// Mode bits and owner of `path`.
    static func status(_ path: String) -> (mode: UInt32, uid: UInt32, gid: UInt32, size: Int)? {
        var raw = stat()
        guard lstat(path, &raw) == 0 else { return nil }
        return (raw.st_mode & 0o7777, raw.st_uid, raw.st_gid, Int(raw.st_size))
    }

    /// Creates `path`, checks what `create` said, activates it with the kernel and compares.
    @discardableResult
    static func createAndActivate(_ path: String, size: String = "32M", extra: [String] = [], usableKiB: Int = 32764,
        sourceLocation: SourceLocation = #_sourceLocation) throws -> Comparison {
        let (result, action) = try run(["--size", size] + extra + [path])
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        let made = try #require(action, "\(result)", sourceLocation: sourceLocation)
        #expect(made["performed"] as? Bool == true && made["changed"] as? Bool == true, sourceLocation: sourceLocation)
        let file = try #require(status(path), "no file at \(path)", sourceLocation: sourceLocation)
        #expect(file.mode == 0o600 && file.uid == 0 && file.gid == 0, sourceLocation: sourceLocation)
        #expect(temporaries(directory(of: path)).isEmpty, sourceLocation: sourceLocation)
        let comparison = try GroundTruth.compare(path, sourceLocation: sourceLocation)
        #expect(comparison.kernel.accepted, "\(comparison.evidence)", sourceLocation: sourceLocation)
        // The line create printed is the one the kernel logged.
        #expect(comparison.kernel.addingLine == made["predictedKernelLog"] as? String, "\(comparison.evidence)", sourceLocation: sourceLocation)
        #expect(comparison.kernel.procSwapsSizeKiB == UInt64(usableKiB), "\(comparison.evidence)", sourceLocation: sourceLocation)
        return comparison
    }

    static func directory(of path: String) -> String { BuiltBinary.directory(of: path) }

    /// The refusal before anything is created: exit 1, the reason, and the directory as it was.
    static func expectRefusal(_ path: String, _ reason: String, errno: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = names(directory(of: path))
        let (result, action) = try run(["--size", "16M", path])
        #expect(result.status == 1, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains("refusing to create") && result.stderr.contains(reason), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(action?["errno"] as? String == errno, "\(String(describing: action))", sourceLocation: sourceLocation)
        #expect(names(directory(of: path)) == before, sourceLocation: sourceLocation)
    }
}

extension SwapInspectKernelTests {
    @Suite("create on loop-mounted file systems", .serialized)
    struct Create {
        static let filesystems: [FilesystemSpec] = [
            .ext4(blockSize: 4096), .ext4(blockSize: 1024),
            FilesystemSpec(type: .ext4, blockSize: 4096, sizeMiB: 256, mkfsOptions: ["-m", "0", "-O", "bigalloc", "-C", "65536"]),
            .xfs(blockSize: 4096), .xfs(blockSize: 1024), .xfs(blockSize: 4096, options: ["-m", "reflink=1"]),
            .btrfs(),
        ]

        @Test(arguments: filesystems)
        func createdFileActivatesAsPredicted(spec: FilesystemSpec) throws {
            try LoopFilesystem.with(spec) { filesystem in
                let path = filesystem.path("swapfile")
                defer { ensureInactive(path) }
                try Created.createAndActivate(path)
                if spec.type == .btrfs { #expect(try BtrfsFile.attributes(path).contains("C")) }
            }
        }

        /// A larger one where 1K blocks cross block groups: the file grows by the pages they lose.
        @Test func oneKiBlockExt4KeepsEveryRequestedPage() throws {
            try LoopFilesystem.with(.ext4(blockSize: 1024, sizeMiB: 160)) { filesystem in
                let path = filesystem.path("swapfile")
                defer { ensureInactive(path) }
                try Created.createAndActivate(path, size: "96M", usableKiB: 96 * 1024 - 4)
            }
        }

        @Test func btrfsRefusesRaid1AndDupBeforeCreating() throws {
            try LoopFilesystem.with(.btrfs(devices: 2, options: ["-d", "raid1", "-m", "raid1"])) { filesystem in
                try Created.expectRefusal(filesystem.path("swapfile"), "swapfile must have single data profile", errno: "EINVAL")
            }
            try LoopFilesystem.with(.btrfs(options: ["-d", "dup"])) { filesystem in
                try Created.expectRefusal(filesystem.path("swapfile"), "data profile is DUP", errno: "EINVAL")
            }
        }

        @Test func btrfsSnapshottedSubvolumeIsRefusedAndACompressedDirectoryIsHandled() throws {
            try LoopFilesystem.with(.btrfs()) { filesystem in
                let subvolume = filesystem.path("sub")
                try Tool.run("btrfs", ["subvolume", "create", subvolume])
                try Tool.run("btrfs", ["subvolume", "snapshot", subvolume, filesystem.path("snap")])
                try Created.expectRefusal(subvolume + "/swapfile", "is snapshotted", errno: "ETXTBSY")

                let compressed = filesystem.path("compressed")
                #expect(mkdir(compressed, 0o755) == 0)
                try Tool.run("btrfs", ["property", "set", compressed, "compression", "zstd"])
                let path = compressed + "/swapfile"
                defer { ensureInactive(path) }
                try Created.createAndActivate(path)
                let attributes = try BtrfsFile.attributes(path)
                #expect(attributes.contains("C") && !attributes.contains("c"), "\(attributes)")
            }
        }

        @Test func tmpfsAndOverlayfsAreRefusedBeforeCreating() throws {
            try KernelPrerequisites.require()
            let dir = try TemporaryDirectory(prefix: "swapinspect-create", base: ScratchSpace.base)
            defer { dir.remove() }
            let tmpfs = dir.file("tmpfs")
            #expect(mkdir(tmpfs, 0o755) == 0)
            let tmpfsMount = try Mount("tmpfs", at: tmpfs, type: "tmpfs")
            defer { tmpfsMount.release() }
            try Created.expectRefusal(tmpfs + "/swapfile", "tmpfs has no swap path", errno: "EINVAL")

            for name in ["lower", "upper", "work", "merged"] { #expect(mkdir(dir.file(name), 0o755) == 0) }
            let options = "lowerdir=\(dir.file("lower")),upperdir=\(dir.file("upper")),workdir=\(dir.file("work"))"
            try Tool.run("mount", ["-t", "overlay", "overlay", "-o", options, dir.file("merged")])
            defer { _ = try? Tool.run("umount", [dir.file("merged")], check: false) }
            try Created.expectRefusal(dir.file("merged") + "/swapfile", "overlayfs has no swap path", errno: "EINVAL")
        }

        @Test func enospcLeavesNothing() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096, sizeMiB: 16)) { filesystem in
                let before = Created.names(filesystem.mountPoint)
                let (result, action) = try Created.run(["--size", "64M", filesystem.path("swapfile")])
                #expect(result.status == 1, "\(result)")
                #expect(action?["errno"] as? String == "ENOSPC", "\(result.stderr)")
                #expect(Created.names(filesystem.mountPoint) == before)
            }
        }

        /// --if-missing twice, --force never over an active area, fstab twice byte-identical.
        @Test func idempotentCreateAndFstab() throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096)) { filesystem in
                let path = filesystem.path("swapfile")
                let fstab = filesystem.path("fstab")
                let original = "# static file system information\nUUID=1234-ABCD /boot/efi vfat umask=0077 0 1\r\n\n/dev/sda2  none  swap  sw  0  0"
                try original.write(toFile: fstab, atomically: false, encoding: .utf8)
                defer { ensureInactive(path) }
                let arguments = ["--if-missing", "--size", "16M", "--priority", "7", "--label", "prov", "--fstab=\(fstab)", path]
                let first = try Created.run(arguments)
                #expect(first.result.status == 0, "\(first.result)")
                #expect(first.action?["changed"] as? Bool == true)
                let entry = "\(try Kernel.canonicalPath(path)) none swap defaults,pri=7 0 0"
                let written = try String(contentsOfFile: fstab, encoding: .utf8)
                #expect(written == original + "\n" + entry + "\n")
                let uuid = (first.action?["create"] as? [String: Any])?["uuid"] as? String
                let second = try Created.run(arguments)
                #expect(second.result.status == 0, "\(second.result)")
                #expect(second.action?["changed"] as? Bool == false && second.action?["alreadyInState"] as? Bool == true)
                #expect((second.action?["fstab"] as? [String: Any])?["changed"] as? Bool == false)
                #expect((second.action?["create"] as? [String: Any])?["uuid"] as? String == uuid)
                #expect(try String(contentsOfFile: fstab, encoding: .utf8) == written)

                // A different size: exit 1 without --force; with it, recreated with the same UUID and label.
                let differs = try Created.run(["--size", "24M", path])
                #expect(differs.result.status == 1 && differs.result.stderr.contains("--force"), "\(differs.result)")
                let forced = try Created.run(["--force", "--size", "24M", path])
                #expect(forced.result.status == 0, "\(forced.result)")
                let recreated = forced.action?["create"] as? [String: Any]
                #expect(recreated?["uuid"] as? String == uuid && recreated?["label"] as? String == "prov" && recreated?["replaced"] as? Bool == true)

                // Active: never replaced, even with --force; --if-missing accepts it.
                try Tool.run("swapon", [path])
                let busy = try Created.run(["--force", "--size", "16M", path])
                #expect(busy.result.status == 1 && busy.result.stderr.contains("in-use"), "\(busy.result)")
                let kept = try Created.run(["--if-missing", "--size", "24M", path])
                #expect(kept.result.status == 0 && kept.action?["changed"] as? Bool == false, "\(kept.result)")
                ensureInactive(path)

                // A malformed fstab is reported, not rewritten, and nothing is created.
                let broken = "UUID=1 / ext4 defaults zero 1\n"
                try broken.write(toFile: fstab, atomically: false, encoding: .utf8)
                let other = filesystem.path("other")
                let refused = try Created.run(["--size", "16M", "--fstab=\(fstab)", other])
                #expect(refused.result.status == 1 && refused.result.stderr.contains("not rewritten"), "\(refused.result)")
                #expect(try String(contentsOfFile: fstab, encoding: .utf8) == broken)
                #expect(Created.status(other) == nil && Created.temporaries(filesystem.mountPoint).isEmpty)
            }
        }
    }
}

/// An ntfs-3g (fuseblk) file system on a loop device of its own, mounted with `permissions` unless other
/// options are given (without it ntfs-3g shows every file 0777 and ignores chmod), torn down whatever happens.
final class NtfsLoop {
    let directory: TemporaryDirectory
    let mountPoint: String
    private var loop: LoopDevice?
    private var mounted = false

    init(sizeMiB: Int, options: String = "permissions") throws {
        try KernelPrerequisites.require()
        directory = try TemporaryDirectory(prefix: "swapinspect-ntfs", base: ScratchSpace.base)
        mountPoint = directory.file("mnt")
        let image = directory.file("image")
        guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, off_t(sizeMiB) << 20) == 0 else {
            throw TestSupportError("cannot create \(image)")
        }
        let attached = try LoopDevice(file: image)
        loop = attached
        try Tool.run("mkntfs", ["-F", "-Q", "-q", attached.path])
        guard mkdir(mountPoint, 0o755) == 0 else { throw TestSupportError("mkdir \(mountPoint)") }
        // mount.ntfs-3g stays behind as the FUSE daemon and would inherit the descriptor Foundation's
        // Process watches for the child's exit (the run would never end): every descriptor above 2 is
        // closed before mount runs.
        let closeAndMount = "for fd in /proc/self/fd/*; do n=${fd##*/}; [ \"$n\" -gt 2 ] 2>/dev/null && eval \"exec $n>&-\"; done; exec mount -t ntfs-3g -o \"$3\" \"$1\" \"$2\""
        let ran = try Runner.run("/bin/bash", ["-c", closeAndMount, "mount", attached.path, mountPoint, options.isEmpty ? "rw" : options], timeout: 60)
        guard ran.status == 0, !ran.timedOut else { throw TestSupportError("mount -t ntfs-3g \(attached.path): \(ran)") }
        mounted = true
    }

    func path(_ name: String) -> String { mountPoint + "/" + name }

    func teardown() {
        if mounted {
            _ = ActiveSwaps.deactivate(under: mountPoint + "/")
            if (try? Tool.run("umount", [mountPoint], check: false))?.status != 0 { _ = try? Tool.run("umount", ["-l", mountPoint], check: false) }
            mounted = false
        }
        _ = loop?.detach()
        loop = nil
        directory.remove()
    }

    static func with<T>(sizeMiB: Int = 320, options: String = "permissions", _ body: (NtfsLoop) throws -> T) throws -> T {
        let filesystem = try NtfsLoop(sizeMiB: sizeMiB, options: options)
        defer { filesystem.teardown() }
        return try body(filesystem)
    }
}

/// A stat loop over a directory while `create` runs: every file with data it sees (the temporary one
/// and the target) must be 0600 and root:0 at every look.
final class ModeWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var violations: [String] = []
    private var looks = 0
    private var thread: Thread?

    init(_ directory: String, target: String) {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                for name in Created.temporaries(directory) + [target] {
                    guard let status = Created.status(directory + "/" + name), status.size > 0 else { continue }
                    lock.withLock {
                        looks += 1
                        if status.mode != 0o600 || status.uid != 0 || status.gid != 0 {
                            violations.append("\(name): mode \(String(status.mode, radix: 8)) owner \(status.uid):\(status.gid)")
                        }
                    }
                }
            }
        }
        self.thread = thread
        thread.start()
    }

    /// Stops the loop: what it saw wrong, and how many files with data it looked at.
    func stop() -> (violations: [String], looks: Int) {
        lock.withLock { running = false }
        Thread.sleep(forTimeInterval: 0.05)
        return lock.withLock { (violations, looks) }
    }
}

/// `swapinspect create` started in the background, to be signalled.
struct BackgroundCreate {
    let process = Process()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: BuiltBinary.path)
        process.arguments = ["create"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Waits until a temporary file of `directory` holds at least `bytes`.
    func waitForData(in directory: String, bytes: Int = 8 << 20, timeout: TimeInterval = 60) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, process.isRunning {
            if let name = Created.temporaries(directory).first, let status = Created.status(directory + "/" + name), status.size >= bytes {
                return name
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    func signal(_ number: Int32) -> (reason: Process.TerminationReason, status: Int32) {
        kill(process.processIdentifier, number)
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus)
    }
}

extension SwapInspectKernelTests {
    @Suite("create on ntfs-3g (fuseblk): zeroes, signals, modes", .serialized)
    struct CreateOnFuseblk {
        @Test func zeroFilledFileActivatesAsPredicted() throws {
            try NtfsLoop.with { filesystem in
                let path = filesystem.path("swapfile")
                defer { ensureInactive(path) }
                let watcher = ModeWatcher(filesystem.mountPoint, target: "swapfile")
                let comparison = try Created.createAndActivate(path)
                let watched = watcher.stop()
                #expect(watched.violations.isEmpty, "\(watched.violations)")
                #expect(watched.looks > 0, "the watcher saw no data at all")
                #expect(comparison.report.activation?.model == .generic)
            }
        }

        /// Without `permissions` ntfs-3g shows every file 0777 and its chmod succeeds and changes nothing:
        /// create's report warns (insecure-permissions) with no fix and names the mount options instead.
        /// With `permissions` the fix is `chmod 0600 PATH`, and run as printed it removes the finding.
        @Test func thePermissionsFixIsPrintedOnlyWhereChmodIsStored() throws {
            try NtfsLoop.with(sizeMiB: 64, options: "") { filesystem in
                let path = filesystem.path("swapfile")
                let (result, _) = try Created.run(["--size", "8M", path])
                #expect(result.status == 0, "\(result)")
                let finding = try #require(Self.finding("insecure-permissions", in: try result.json()), "\(result.stdoutText)")
                #expect(finding["fix"] as? String == nil, "\(finding)")
                let message = finding["message"] as? String ?? ""
                #expect(message.contains("0777") && message.contains("mount \(filesystem.mountPoint) with permissions"), "\(message)")
                // What the fix used to be does nothing here.
                #expect(chmod(path, 0o600) == 0)
                #expect(Created.status(path)?.mode == 0o777)
            }
            try NtfsLoop.with(sizeMiB: 64) { filesystem in
                let path = filesystem.path("swapfile")
                #expect(try Created.run(["--size", "8M", path]).result.status == 0)
                #expect(chmod(path, 0o644) == 0)
                let before = try BuiltBinary.run(["inspect", "--json", path])
                let finding = try #require(Self.finding("insecure-permissions", in: try before.json()), "\(before.stdoutText)")
                let fix = try #require(finding["fix"] as? String, "\(finding)")
                #expect(fix == "chmod 0600 \(path)")
                try Tool.sh(fix)
                let after = try BuiltBinary.run(["inspect", "--json", path])
                let remaining = Self.finding("insecure-permissions", in: try after.json())
                #expect(after.status == 0 && remaining == nil, "\(after.stdoutText)")
            }
        }

        static func finding(_ code: String, in document: [String: Any]) -> [String: Any]? {
            let reports = document["reports"] as? [[String: Any]] ?? []
            return reports.flatMap { $0["findings"] as? [[String: Any]] ?? [] }.first { $0["code"] as? String == code }
        }

        /// SIGINT and SIGTERM while zeroes are written: exit 128+N, no temporary file, the old file as it was.
        @Test(arguments: [SIGINT, SIGTERM])
        func aSignalRemovesTheTemporaryFileAndKeepsTheTarget(signal: Int32) throws {
            try NtfsLoop.with { filesystem in
                let path = filesystem.path("swapfile")
                let first = try Created.run(["--size", "16M", "--label", "old", path])
                try #require(first.result.status == 0, "\(first.result)")
                let before = try Data(contentsOf: URL(fileURLWithPath: path))
                let watcher = ModeWatcher(filesystem.mountPoint, target: "swapfile")
                let running = try BackgroundCreate(["--force", "--size", "200M", path])
                let temporary = running.waitForData(in: filesystem.mountPoint)
                try #require(temporary != nil, "no temporary file with data appeared")
                let ended = running.signal(signal)
                let watched = watcher.stop()
                #expect(ended.reason == .exit && ended.status == 128 + signal, "\(ended)")
                #expect(Created.temporaries(filesystem.mountPoint).isEmpty)
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the target changed")
                #expect(watched.violations.isEmpty, "\(watched.violations)")
            }
        }

        /// SIGKILL cannot be handled: the temporary file stays, the target does not appear; the next
        /// `create` of the same path removes it, also where every file shows the mount's mode 0777
        /// (ntfs-3g without `permissions`).
        @Test(arguments: ["permissions", ""])
        func afterSigkillTheNextCreateRemovesTheTemporaryFile(options: String) throws {
            try NtfsLoop.with(options: options) { filesystem in
                let path = filesystem.path("swapfile")
                let running = try BackgroundCreate(["--size", "200M", path])
                let temporary = try #require(running.waitForData(in: filesystem.mountPoint), "no temporary file with data appeared")
                let ended = running.signal(SIGKILL)
                #expect(ended.reason == .uncaughtSignal && ended.status == SIGKILL)
                #expect(Created.temporaries(filesystem.mountPoint) == [temporary])
                #expect(Created.status(path) == nil)
                #expect(Created.status(filesystem.mountPoint + "/" + temporary)?.mode == (options.isEmpty ? 0o777 : 0o600))
                let next = try Created.run(["--size", "16M", path])
                #expect(next.result.status == 0, "\(next.result)")
                #expect((next.action?["create"] as? [String: Any])?["removedStale"] as? [String] == [temporary])
                #expect(Created.temporaries(filesystem.mountPoint).isEmpty)
            }
        }
    }
}
