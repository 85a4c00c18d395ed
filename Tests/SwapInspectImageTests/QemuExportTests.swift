import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

@testable import SwapInspectImage

/// The export's life cycle the audits only show as a whole: the wait for the mount and for a daemon
/// that fails, the readahead it is given, and its end; and e2fsck started ahead of its verdict.
@Suite struct QemuExportTests {
    static func qcow2(_ scratch: Scratch, bytes: String = "64M") throws -> String {
        let image = scratch.file("disk.qcow2")
        try Tool.run("qemu-img", ["create", "-q", "-f", "qcow2", image, bytes])
        return image
    }

    /// Started, the export is a regular file of the disk's size on its own mount; as root its readahead
    /// is QemuExport.readaheadKiB; closed, the daemon is reaped and its directory removed.
    @Test func testExportIsMountedWithItsReadaheadAndRemovedWhenClosed() throws {
        let scratch = try Scratch()
        let image = try Self.qcow2(scratch)
        let export = try QemuExport.start(QemuExport.Request(image: image, format: .qcow2), name: image)
        var status = stat()
        var directory = stat()
        #expect(stat(export.path, &status) == 0 && stat(export.directory, &directory) == 0)
        #expect(status.st_dev != directory.st_dev, "the export is not mounted")
        #expect(status.st_size == 64 << 20)
        if geteuid() == 0 {
            let device = UInt64(status.st_dev)
            let bdi = "/sys/class/bdi/\((device >> 8) & 0xfff):\(device & 0xff)/read_ahead_kb"
            let readahead = try String(contentsOfFile: bdi, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(readahead == String(QemuExport.readaheadKiB))
        }
        #expect(!Self.traces(of: export.directory).isEmpty, "no daemon or mount names \(export.directory)")
        export.close()
        #expect(access(export.directory, F_OK) != 0, "\(export.directory) is left")
        #expect(Self.traces(of: export.directory).isEmpty)
    }

    /// The mounts and qemu-storage-daemon processes that name `directory`.
    static func traces(of directory: String) -> [String] {
        let mounts = ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { $0.contains(directory) }.map(String.init)
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        let daemons = pids.compactMap { pid -> String? in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return command.contains("qemu-storage-daemon") && command.contains(directory) ? command : nil
        }
        return mounts + daemons
    }

    /// A daemon that cannot open the image ends the wait at once (its pidfd), with qemu's message, not
    /// after the start limit.
    @Test func testDaemonThatFailsEndsTheWaitWithItsMessage() throws {
        let scratch = try Scratch()
        let image = try Self.qcow2(scratch)
        let started = Date()
        #expect(throws: AreaError.self) {
            // A qcow2 opened as VHDX: qemu refuses it.
            _ = try QemuExport.start(QemuExport.Request(image: image, format: .vhdx), name: image)
        }
        #expect(Date().timeIntervalSince(started) < Double(QemuExport.startSeconds) / 2)
        do {
            _ = try QemuExport.start(QemuExport.Request(image: image, format: .vhdx), name: image)
        } catch {
            #expect(error.operation == "qemu cannot read it as a vhdx image")
            #expect(!error.reason.isEmpty && !error.reason.contains("did not export it"))
        }
    }

    /// An e2fsck started ahead gives its verdict once collected (and the same again); one not needed is
    /// stopped and reaped, also when only dropped.
    @Test func testStartedFsckIsCollectedOrStoppedAndReaped() throws {
        let scratch = try Scratch()
        let image = try ExtHealthTests.image(scratch, fstab: nil)
        let needed = FsckRun.start(image: image, offset: 0)
        #expect(needed.process > 0)
        #expect(needed.finish() == .clean)
        #expect(needed.finish() == .clean)
        let unneeded = FsckRun.start(image: image, offset: 0)
        unneeded.cancel()
        var dropped: pid_t = 0
        do { dropped = FsckRun.start(image: image, offset: 0).process }
        // Reaped: no longer this process's child, not even a zombie.
        for pid in [needed.process, unneeded.process, dropped] {
            #expect(pid > 0)
            var status: Int32 = 0
            #expect(waitpid(pid, &status, WNOHANG) == -1 && errno == ECHILD, "e2fsck \(pid) is not reaped")
        }
        #expect(FsckRun.start(image: image + "?x", offset: 0).finish() == .skipped("the image's name contains '?', which e2fsck takes for its options"))
    }
}
