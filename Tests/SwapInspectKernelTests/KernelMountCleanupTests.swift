import Foundation
import SwapInspectCore
import SwapInspectTestSupport
import Testing

/// What `image --allow-kernel-mount` may leave behind in the host: a loop device over the test's image
/// (or over a qemu export) other than the test's own, a mount of swapinspect's, a mount point directory.
enum Leftovers {
    /// The loop devices backed by a file in the fixture's directory or a swapinspect export, except the
    /// fixture's own, and the host's mounts of swapinspect or of that directory; sorted.
    static func snapshot(_ filesystem: LoopFilesystem) throws -> [String] {
        var found: [String] = []
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/sys/block") where entry.hasPrefix("loop") {
            guard entry != filesystem.deviceName,
                let backing = try? String(contentsOfFile: "/sys/block/\(entry)/loop/backing_file", encoding: .utf8)
            else { continue }
            if backing.hasPrefix(filesystem.directory) || backing.contains("swapinspect-") { found.append("\(entry): \(backing)") }
        }
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).split(separator: "\n")
        found += mounts.filter { $0.contains("swapinspect-mount") || $0.contains(filesystem.directory) }.map(String.init)
        return found.sorted()
    }

    /// The loop devices over `image` but `except`, with their sysfs `ro` and `loop/autoclear`.
    static func loops(backedBy image: String, except: String) throws -> [String: [String: String]] {
        var found: [String: [String: String]] = [:]
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) }
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/sys/block") where entry.hasPrefix("loop") && entry != except {
            guard read("/sys/block/\(entry)/loop/backing_file") == image else { continue }
            found[entry] = ["ro": read("/sys/block/\(entry)/ro") ?? "?", "autoclear": read("/sys/block/\(entry)/loop/autoclear") ?? "?"]
        }
        return found
    }

    /// The mount point directories in `directory` (a TMPDIR of the test's own).
    static func mountPoints(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("swapinspect-mount") }
    }
}

/// crc32c (Castagnoli, reflected), the checksum of a btrfs superblock.
func crc32c(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}

extension SwapInspectKernelTests.KernelMount {
    /// SIGINT and SIGKILL at points spread over one audit: neither leaves a mount in the host's
    /// mountinfo or a loop device; SIGINT's handler removes the mount point too, and after SIGKILL
    /// (no handler runs) at most the empty directory stays.
    @Test func interruptedOrKilledAuditLeavesNothingBehind() throws {
        try BtrfsPrerequisites.require()
        try LoopFilesystem.with(.btrfs()) { filesystem in
            try BtrfsFile.mkswapfile(filesystem.path("swapfile"), size: "16m")
            try filesystem.unmount()
            let tmp = filesystem.directory + "/tmp"
            try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: false)
            let before = try Leftovers.snapshot(filesystem)
            let started = Date()
            let whole = try Self.audit(filesystem.image, environment: ["TMPDIR": tmp])
            #expect(whole.status == 0, "\(whole.stderr)")
            let duration = Date().timeIntervalSince(started)
            var interrupted = 0
            var killedWhileMounted: Set<Int32> = []
            var loopsSeen = 0
            let attempts = 16
            for attempt in 0..<attempts {
                let signal = attempt % 2 == 0 ? SIGINT : SIGKILL
                let process = Process()
                process.executableURL = URL(fileURLWithPath: BuiltBinary.path)
                process.arguments = ["image", "--allow-kernel-mount", filesystem.image]
                process.environment = ["TMPDIR": tmp, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                // Half the attempts at points spread over the audit, half the moment the mount is in place.
                var own = ""
                if attempt % 4 < 2 {
                    usleep(useconds_t(duration * Double(attempt) / Double(attempts) * 1_000_000))
                    own = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/mountinfo", encoding: .utf8)) ?? ""
                } else {
                    let deadline = Date().addingTimeInterval(10)
                    while process.isRunning && !own.contains("swapinspect-mount") && Date() < deadline {
                        own = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/mountinfo", encoding: .utf8)) ?? ""
                    }
                }
                // Its loop device while mounted: read-only and autoclear, as sysfs shows them.
                let loopFlags = try Leftovers.loops(backedBy: filesystem.image, except: filesystem.deviceName)
                // Its own mount table holds the kernel mount while it audits; the host's never does.
                let host = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
                kill(process.processIdentifier, signal)
                if own.contains("swapinspect-mount") { killedWhileMounted.insert(signal) }
                for (device, flags) in loopFlags {
                    #expect(flags == ["ro": "1", "autoclear": "1"], "attempt \(attempt): \(device) \(flags)")
                    loopsSeen += 1
                }
                #expect(!host.contains("swapinspect-mount"), "attempt \(attempt): the host sees the kernel mount")
                process.waitUntilExit()
                if process.terminationReason == .uncaughtSignal { interrupted += 1 }
                #expect(try Leftovers.snapshot(filesystem) == before, "attempt \(attempt), signal \(signal)")
                let directories = try Leftovers.mountPoints(in: tmp)
                if signal == SIGINT { #expect(directories.isEmpty, "attempt \(attempt): \(directories)") }
                for directory in directories {
                    #expect(rmdir(tmp + "/" + directory) == 0, "attempt \(attempt): \(directory) is not an empty directory")
                }
            }
            // Most attempts stop it mid-audit (the signal ends it).
            #expect(interrupted > attempts / 2)
            #expect(loopsSeen > 0, "no attempt saw its loop device")
            #expect(killedWhileMounted == [SIGINT, SIGKILL], "the kernel mount was in place at the signal only for \(killedWhileMounted)")
        }
    }

    /// A copy of a file system that is mounted (the same fsid, as an image of a running system has):
    /// the audit reads the copy, never the mounted one (this kernel gives the copy a temporary fsid;
    /// older ones refuse the second device with EEXIST).
    @Test func copyOfAMountedFileSystemIsReadFromTheCopy() throws {
        try BtrfsPrerequisites.require()
        try LoopFilesystem.with(.btrfs()) { filesystem in
            try BtrfsFile.mkswapfile(filesystem.path("swapfile"), size: "16m")
            try filesystem.unmount()
            let copy = filesystem.directory + "/copy.img"
            try Tool.run("cp", ["--sparse=always", filesystem.image, copy])
            // The original, mounted again, no longer has the file; the copy still does.
            let mountPoint = filesystem.directory + "/again"
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
            let mount = try Mount(try #require(filesystem.device), at: mountPoint)
            defer { mount.release() }
            try FileManager.default.removeItem(atPath: mountPoint + "/swapfile")
            let result = try Self.audit(copy)
            #expect(result.status == 0, "\(result.stderr)")
            let activation = Self.report(result.reports, path: "/swapfile")["activation"] as? [String: Any]
            #expect(activation?["ok"] as? Bool == true, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: mountPoint + "/swapfile"))
            try mount.unmount()
        }
    }

    /// Without root: one line that says so, exit 2, and nothing mounted.
    @Test func withoutRootItSaysSo() throws {
        try BtrfsPrerequisites.require()
        try LoopFilesystem.with(.btrfs()) { filesystem in
            try BtrfsFile.mkswapfile(filesystem.path("swapfile"), size: "16m")
            try filesystem.unmount()
            // nobody must reach the image to get as far as the mount.
            #expect(chmod(filesystem.directory, 0o755) == 0 && chmod(filesystem.image, 0o644) == 0)
            let before = try Leftovers.snapshot(filesystem)
            let result = try Tool.run(
                "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", BuiltBinary.path, "image", "--allow-kernel-mount", filesystem.image],
                check: false)
            #expect(result.status == 2, "\(result)")
            #expect(result.stderrLines.count == 1, "\(result)")
            #expect(result.stderr.contains("--allow-kernel-mount needs root"), "\(result)")
            #expect(try Leftovers.snapshot(filesystem) == before)
            // Without the flag, nobody gets the verdict offline (btrfs inspect-internal dump-tree), no mount.
            let offline = try Tool.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", BuiltBinary.path, "image", filesystem.image], check: false)
            #expect(offline.status == 0, "\(offline)")
            #expect(offline.stdoutText.contains("/swapfile: would activate"), "\(offline)")
            #expect(offline.stdoutText.contains("read offline with btrfs inspect-internal dump-tree"), "\(offline)")
            #expect(try Leftovers.snapshot(filesystem) == before)
        }
    }

    /// The image's superblock with `update` applied and its crc32c made to match again.
    static func rewriteSuperblock(_ image: String, _ update: (inout [UInt8]) -> Void) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
        defer { try? handle.close() }
        try handle.seek(toOffset: 0x10000)
        var superblock = [UInt8](try handle.read(upToCount: 4096) ?? Data())
        update(&superblock)
        let sum = crc32c(superblock[32...])
        for index in 0..<4 { superblock[index] = UInt8((sum >> (8 * UInt32(index))) & 0xFF) }
        try handle.seek(toOffset: 0x10000)
        try handle.write(contentsOf: Data(superblock))
    }

    /// A superblock that names a log tree (log_root, byte 96) mounts with rescue=nologreplay only (the
    /// replay would fail on the read-only loop device): the log is not read, and the report says it
    /// was not replayed.
    @Test func logTreeIsNotReplayedAndSaidSo() throws {
        try BtrfsPrerequisites.require()
        try LoopFilesystem.with(.btrfs()) { filesystem in
            try BtrfsFile.mkswapfile(filesystem.path("swapfile"), size: "16m")
            try filesystem.unmount()
            // Any block number: with nologreplay the kernel never reads it.
            try Self.rewriteSuperblock(filesystem.image) { $0[96 + 2] = 0x10 }
            let result = try Self.audit(filesystem.image)
            #expect(result.status == 0, "\(result.stderr)")
            let notes = Self.report(result.reports, path: "/swapfile")["notes"] as? [String] ?? []
            #expect(notes.contains { $0.contains("was not replayed (rescue=nologreplay)") }, "\(notes)")
        }
    }

    /// The kernel refuses the file system (an incompat feature it does not know, the superblock's
    /// checksum made to match): one line with the errno and the kernel's btrfs line, exit 2, no leftovers.
    @Test func refusedMountIsOneLineWithTheKernelsReason() throws {
        try BtrfsPrerequisites.require()
        try LoopFilesystem.with(.btrfs()) { filesystem in
            try BtrfsFile.mkswapfile(filesystem.path("swapfile"), size: "16m")
            try filesystem.unmount()
            // incompat_flags (byte 188): bit 62, which no kernel knows.
            try Self.rewriteSuperblock(filesystem.image) { $0[188 + 7] |= 0x40 }
            let before = try Leftovers.snapshot(filesystem)
            let result = try Self.audit(filesystem.image)
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("the kernel refuses to mount it (btrfs, -o ro,nodev,nosuid,noexec,rescue=nologreplay)"), "\(result.stderr)")
            #expect(result.stderr.contains("; kernel: BTRFS error (device loop"), "\(result.stderr)")
            #expect(result.stderr.contains("cannot mount because of unknown incompat features"), "\(result.stderr)")
            #expect(result.reports.isEmpty)
            #expect(try Leftovers.snapshot(filesystem) == before)
        }
    }
}
