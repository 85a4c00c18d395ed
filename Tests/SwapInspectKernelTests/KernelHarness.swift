import Foundation
import Glibc
import SwapInspectCore
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

// The privileged harness: loop-mounted file systems, the real swapon(2), /dev/kmsg and /proc/swaps.
// Everything here creates only what it later removes, and removes only what it created.

/// The page size every prediction and every layout in these tests is built for.
let kernelTestPageSize = 4096

/// The root of every kernel test. Serialized because swap state is global: an area activated by one
/// test changes the priority the next one gets. Skips with the reason printed when the machine cannot
/// run them (not root, no loop devices, no mkfs.xfs/mkfs.ext4), unless CI=true, where that fails.
@Suite(.serialized, .swapStateExclusive, .enabled(if: KernelPrerequisites.shouldRun, KernelPrerequisites.skipComment))
struct SwapInspectKernelTests {}

// MARK: - Prerequisites

/// What the kernel tests need, checked once. Without it they skip with the reason printed; with `CI=true`
/// they run anyway and fail on the first missing piece, because CI runs as root and must exercise them.
enum KernelPrerequisites {
    static let tools = ["losetup", "mkfs.ext4", "mkfs.xfs", "xfs_io", "mount", "umount", "mkswap", "swapon", "swapoff", "dd", "cp"]

    static let requiredByCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Each missing prerequisite, in words; empty when the tests can run.
    static let missing: [String] = {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("not running as root (euid \(geteuid()))") }
        if access("/dev/loop-control", F_OK) != 0 { missing.append("/dev/loop-control is missing (no loop device support)") }
        if access("/dev/kmsg", R_OK) != 0 { missing.append("/dev/kmsg is not readable") }
        for tool in tools where Tool.locate(tool) == nil { missing.append("\(tool) not found") }
        if systemPageSize() != kernelTestPageSize {
            missing.append("the kernel's page size is \(systemPageSize()), the layouts here are built for \(kernelTestPageSize)")
        }
        if !missing.isEmpty {
            let verdict = requiredByCI ? "CI=true, so they will FAIL" : "skipping them"
            FileHandle.standardError.write(
                Data("SwapInspectKernelTests: \(missing.joined(separator: "; ")) — \(verdict)\n".utf8))
        }
        return missing
    }()

    /// Run when everything is there, or when CI demands it (then `require()` fails the test).
    static var shouldRun: Bool { missing.isEmpty || requiredByCI }

    static var skipComment: Comment {
        Comment(rawValue: "kernel tests skipped: \(missing.joined(separator: "; "))")
    }

    /// Called by every fixture: turns a missing prerequisite into a failure (only reachable with CI=true).
    static func require() throws {
        guard missing.isEmpty else {
            throw TestSupportError("CI=true requires the kernel tests to run, but: \(missing.joined(separator: "; "))")
        }
    }
}

// MARK: - libc calls the Glibc module does not import

/// swapon(2), fallocate(2) and statfs(2) live in headers the Swift Glibc module leaves out
/// (<sys/swap.h>, <fcntl.h> with _GNU_SOURCE, <sys/vfs.h>); bind them by name. swapoff(2) is
/// `ActiveSwaps.swapoff` of SwapInspectTestSupport.
enum LibC {
    private typealias SwaponFunction = @convention(c) (UnsafePointer<CChar>, Int32) -> Int32
    private typealias FallocateFunction = @convention(c) (Int32, Int32, Int, Int) -> Int32
    private typealias StatfsFunction = @convention(c) (UnsafePointer<CChar>, UnsafeMutableRawPointer) -> Int32

    /// FALLOC_FL_KEEP_SIZE and FALLOC_FL_PUNCH_HOLE (linux/falloc.h).
    static let fallocKeepSize: Int32 = 0x01
    static let fallocPunchHole: Int32 = 0x02
    /// TMPFS_MAGIC (linux/magic.h).
    static let tmpfsMagic: Int = 0x0102_1994

    private static func symbol<T>(_ name: String, as type: T.Type) -> T {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            preconditionFailure("libc has no \(name)")
        }
        return unsafeBitCast(pointer, to: type)
    }

    /// swapon(2); returns 0 or the errno.
    static func swapon(_ path: String, flags: Int32 = 0) -> Int32 {
        let call = symbol("swapon", as: SwaponFunction.self)
        return call(path, flags) == 0 ? 0 : errno
    }

    /// fallocate(2); returns 0 or the errno.
    static func fallocate(_ fd: Int32, mode: Int32, offset: Int, length: Int) -> Int32 {
        let call = symbol("fallocate", as: FallocateFunction.self)
        return call(fd, mode, offset, length) == 0 ? 0 : errno
    }

    /// `f_type` of statfs(2): the first member of `struct statfs` on every 64-bit Linux ABI.
    static func fileSystemType(_ path: String) -> Int? {
        let call = symbol("statfs", as: StatfsFunction.self)
        // struct statfs is 120 bytes on x86_64/arm64; leave generous room.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 512)
        guard call(path, buffer) == 0 else { return nil }
        return buffer.load(as: Int.self)
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}

// MARK: - Loop-mounted file systems

enum FilesystemType: String, Sendable {
    case ext4, xfs, btrfs
}

/// A file system to build on a loop device: type, block size, image size and extra mkfs options.
struct FilesystemSpec: Sendable, CustomTestStringConvertible {
    var type: FilesystemType
    var blockSize: Int
    var sizeMiB: Int
    var mkfsOptions: [String] = []
    /// Loop devices (each a sparse image of `sizeMiB`) the file system spans; only btrfs uses more than one.
    var devices = 1

    static func ext4(blockSize: Int, sizeMiB: Int = 64) -> FilesystemSpec {
        // -m 0: no root reserve; the fragmenting fixtures fill the file system to the last block.
        FilesystemSpec(type: .ext4, blockSize: blockSize, sizeMiB: sizeMiB, mkfsOptions: ["-m", "0"])
    }

    /// mkfs.xfs refuses file systems under 300 MB; the image is sparse, so 320 MiB costs little.
    static func xfs(blockSize: Int, sizeMiB: Int = 320, options: [String] = []) -> FilesystemSpec {
        FilesystemSpec(type: .xfs, blockSize: blockSize, sizeMiB: sizeMiB, mkfsOptions: options)
    }

    /// btrfs wants about 114 MiB per device; the images are sparse. `options` go to mkfs.btrfs
    /// (`-d raid1 -m raid1` across two devices, …).
    static func btrfs(sizeMiB: Int = 256, devices: Int = 1, options: [String] = []) -> FilesystemSpec {
        FilesystemSpec(type: .btrfs, blockSize: 4096, sizeMiB: sizeMiB, mkfsOptions: options, devices: devices)
    }

    var testDescription: String {
        "\(type.rawValue) \(blockSize / 1024)K" + (mkfsOptions.isEmpty ? "" : " \(mkfsOptions.joined(separator: " "))")
            + (devices > 1 ? " on \(devices) devices" : "")
    }
}

/// The directory for images: /var/tmp unless it is tmpfs (an image there would sit in RAM).
enum ScratchSpace {
    static let base: String = {
        for candidate in ["/var/tmp", NSTemporaryDirectory(), "/tmp"] where LibC.fileSystemType(candidate) != LibC.tmpfsMagic {
            if LibC.fileSystemType(candidate) != nil { return candidate }
        }
        return "/var/tmp"
    }()
}

/// A sparse image in a fresh directory, attached to a loop device of its own, formatted and mounted.
/// `teardown()` undoes exactly that: swapoff of areas under the mount point, umount, losetup -d of
/// this device, removal of the directory.
final class LoopFilesystem {
    let spec: FilesystemSpec
    let directory: String
    let image: String
    let mountPoint: String
    private var loop: LoopDevice?
    /// The loop devices after the first (multi-device btrfs), each over `image.N`.
    private var extraLoops: [LoopDevice] = []
    private var mount: Mount?
    private var originalRotational: String?

    /// The loop device (`/dev/loopN`) while it is attached.
    var device: String? { loop?.path }
    /// The loop devices after the first (multi-device btrfs).
    var extraDevices: [String] { extraLoops.map(\.path) }
    var mounted: Bool { mount?.mounted ?? false }

    private init(spec: FilesystemSpec) throws {
        self.spec = spec
        directory = try TemporaryDirectory(prefix: "swapinspect-kernel", base: ScratchSpace.base).path
        image = "\(directory)/image"
        mountPoint = "\(directory)/mnt"
    }

    /// Builds the file system, runs `body`, and tears everything down whatever happens.
    static func with<T>(_ spec: FilesystemSpec, _ body: (LoopFilesystem) throws -> T) throws -> T {
        try KernelPrerequisites.require()
        let filesystem = try LoopFilesystem(spec: spec)
        defer { filesystem.teardown() }
        try filesystem.setUp()
        return try body(filesystem)
    }

    private func setUp() throws {
        guard FileManager.default.createFile(atPath: image, contents: nil) else { throw TestSupportError("cannot create \(image)") }
        guard truncate(image, off_t(spec.sizeMiB) << 20) == 0 else { throw TestSupportError("truncate \(image): \(LibC.describe(errno))") }
        let attached = try LoopDevice(file: image)
        loop = attached
        for index in 1..<max(spec.devices, 1) {
            let extraImage = "\(image).\(index)"
            guard FileManager.default.createFile(atPath: extraImage, contents: nil) else { throw TestSupportError("cannot create \(extraImage)") }
            guard truncate(extraImage, off_t(spec.sizeMiB) << 20) == 0 else { throw TestSupportError("truncate \(extraImage): \(LibC.describe(errno))") }
            extraLoops.append(try LoopDevice(file: extraImage))
        }
        switch spec.type {
        case .ext4:
            try Tool.run("mkfs.ext4", ["-F", "-q", "-b", "\(spec.blockSize)"] + spec.mkfsOptions + [attached.path])
        case .xfs:
            try Tool.run("mkfs.xfs", ["-f", "-q", "-b", "size=\(spec.blockSize)"] + spec.mkfsOptions + [attached.path])
        case .btrfs:
            try Tool.run("mkfs.btrfs", ["-f", "-q", "-s", "\(spec.blockSize)"] + spec.mkfsOptions + [attached.path] + extraDevices)
            // A multi-device btrfs mounts once every member is known to the kernel.
            if !extraLoops.isEmpty { try Tool.run("btrfs", ["device", "scan"] + [attached.path] + extraDevices) }
        }
        guard mkdir(mountPoint, 0o700) == 0 else { throw TestSupportError("mkdir \(mountPoint): \(LibC.describe(errno))") }
        mount = try Mount(attached.path, at: mountPoint)
    }

    func path(_ name: String) -> String { "\(mountPoint)/\(name)" }

    /// Unmounts the file system (the loop device stays attached), for tools that must see it unmounted;
    /// `teardown()` then only detaches and removes.
    func unmount() throws { try mount?.unmount() }

    /// Flips the loop device's queue/rotational: 0 makes the kernel set SWP_SOLIDSTATE (`SS`).
    /// `teardown()` puts the old value back before detaching.
    func setRotational(_ rotational: Bool) throws {
        let knob = "/sys/block/\(deviceName)/queue/rotational"
        if originalRotational == nil {
            originalRotational = try? String(contentsOfFile: knob, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        do {
            try (rotational ? "1" : "0").write(toFile: knob, atomically: false, encoding: .utf8)
        } catch {
            throw TestSupportError("cannot write \(knob): \(error)")
        }
    }

    /// The loop device's kernel name (`loop3`), as /sys/fs/ext4 names it.
    var deviceName: String { loop?.name ?? "" }

    func teardown() {
        if let mount, mount.mounted {
            // Anything still active under our mount point is ours: a test failed between swapon and swapoff.
            for failure in ActiveSwaps.deactivate(under: mountPoint + "/") { report(failure) }
            // Still busy after umount: detached lazily, so the loop device is released once the last user goes.
            if let failure = mount.release() { report(failure) }
        }
        if spec.type == .btrfs, !mounted, let device {
            // The kernel remembers scanned btrfs members; forget ours before the loop devices go.
            _ = try? Tool.run("btrfs", ["device", "scan", "--forget", device] + extraDevices, check: false)
        }
        if let loop {
            if let originalRotational {
                let knob = "/sys/block/\(deviceName)/queue/rotational"
                do { try originalRotational.write(toFile: knob, atomically: false, encoding: .utf8) } catch { report("restore \(knob): \(error)") }
            }
            if let failure = loop.detach() { report(failure) }
            self.loop = nil
        }
        for extra in extraLoops {
            if let failure = extra.detach() { report(failure) }
        }
        extraLoops = []
        if !mounted {
            do { try FileManager.default.removeItem(atPath: directory) } catch { report("rm -r \(directory): \(error)") }
        }
    }

    private func report(_ message: String) {
        FileHandle.standardError.write(Data("SwapInspectKernelTests cleanup: \(message)\n".utf8))
    }
}

// MARK: - The kernel log

/// The product's /dev/kmsg reader (`SwapInspectLinux.KernelLogCursor`, positioned at the end of the log
/// when made), with its "log not readable" turned into a harness error: the prerequisites require /dev/kmsg.
extension KernelLogCursor {
    func messages() throws -> [String] {
        guard let messages = drain() else { throw TestSupportError("/dev/kmsg could not be read") }
        return messages
    }
}

// MARK: - Activation by the real kernel

/// How swapon(2) is reached.
enum Activator: String, Sendable {
    /// util-linux swapon(8), which canonicalises the path and calls swapon(2) with no flags.
    case utilLinux
    /// swapon(2) directly with the canonical path: for areas util-linux screens out before the kernel
    /// sees them (a file with holes: "skipping - it appears to have holes"; no signature: "read swap
    /// header failed").
    case syscall
}

/// What the kernel did with one swapon.
struct KernelVerdict: CustomStringConvertible {
    var accepted: Bool
    /// The swapon tool's exit status and stderr, or the syscall's errno.
    var detail: String
    /// Every swap-related kernel message logged during the attempt.
    var swapMessages: [String]
    /// The `Adding …` line naming our path, without the kernel's trailing space.
    var addingLine: String?
    /// The /proc/swaps Size of the area while it was active.
    var procSwapsSizeKiB: UInt64?
    var procSwapsPriority: Int?

    /// The messages that are not an `Adding` line: the kernel's reason for a refusal.
    var refusalMessages: [String] { swapMessages.filter { !$0.hasPrefix("Adding ") } }

    var description: String {
        "\(accepted ? "accepted" : "refused") (\(detail)); kernel: \(swapMessages.isEmpty ? "(silent)" : swapMessages.joined(separator: " | "))"
    }
}

enum Kernel {
    /// Activates `path` with the running kernel, records what it logged and what /proc/swaps showed,
    /// and deactivates it again at once.
    static func activate(_ path: String, via activator: Activator = .utilLinux) throws -> KernelVerdict {
        let canonical = try canonicalPath(path)
        let log = KernelLogCursor()
        var accepted: Bool
        var detail: String
        switch activator {
        case .utilLinux:
            let output = try Tool.run("swapon", [path], check: false)
            accepted = output.status == 0
            detail = "swapon exit \(output.status)"
                + (output.stderr.isEmpty ? "" : ": \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        case .syscall:
            let code = LibC.swapon(canonical)
            accepted = code == 0
            detail = code == 0 ? "swapon(2) = 0" : "swapon(2): \(LibC.describe(code))"
        }
        var verdict = KernelVerdict(accepted: accepted, detail: detail, swapMessages: [])
        if accepted {
            let entry = ProcSwaps.parse(try String(contentsOfFile: "/proc/swaps", encoding: .utf8)).first { $0.name == canonical }
            verdict.procSwapsSizeKiB = entry?.sizeKiB
            verdict.procSwapsPriority = entry?.priority
            let code = ActiveSwaps.swapoff(canonical)
            if code != 0 { throw TestSupportError("swapoff \(canonical): \(LibC.describe(code))") }
        }
        verdict.swapMessages = try log.messages().filter { $0.range(of: "swap", options: .caseInsensitive) != nil }
        let ours = "Adding "
        verdict.addingLine = verdict.swapMessages.first { $0.hasPrefix(ours) && $0.contains(" swap on \(canonical).  ") }
            .map { $0.hasSuffix(" ") ? String($0.dropLast()) : $0 }
        return verdict
    }

    static func canonicalPath(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else { throw TestSupportError("realpath \(path): \(LibC.describe(errno))") }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

// MARK: - Prediction against the kernel

/// The prediction and the kernel's verdict for one area.
struct Comparison {
    var facts: AreaFacts
    var report: Report
    var kernel: KernelVerdict

    var activation: Activation? { report.activation }

    /// An offline report's `activation` (JSON) against this online prediction and the kernel's verdict:
    /// accepted alike, and where accepted the same pages, extents, span and resume offset.
    func expectOfflineActivation(_ offline: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        let activation = offline["activation"] as? [String: Any] ?? [:]
        let predicted = self.activation
        #expect(activation["ok"] as? Bool == predicted?.ok, sourceLocation: sourceLocation)
        #expect(activation["ok"] as? Bool == kernel.accepted, sourceLocation: sourceLocation)
        guard predicted?.ok == true else { return }
        #expect((activation["pages"] as? NSNumber)?.uint64Value == predicted?.pages, sourceLocation: sourceLocation)
        #expect((activation["extents"] as? NSNumber)?.intValue == predicted?.extentCount, sourceLocation: sourceLocation)
        #expect((activation["spanPages"] as? NSNumber)?.uint64Value == predicted?.spanPages, sourceLocation: sourceLocation)
        #expect((offline["resumeOffset"] as? NSNumber)?.uint64Value == report.resumeOffset, sourceLocation: sourceLocation)
    }

    /// An offline report's finding codes equal the online prediction's.
    func expectOfflineFindings(_ offline: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        let codes = (offline["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }.sorted()
        #expect(codes == report.findings.map(\.code.rawValue).sorted(), sourceLocation: sourceLocation)
    }

    /// Layout and both sides, printed with every mismatch so it can be compared with docs/kernel-rules.md.
    var evidence: String {
        let extents = facts.extents.prefix(40).map { extent in
            "  logical \(extent.logical) physical \(extent.physical) length \(extent.length)"
                + (extent.flags.names.isEmpty ? "" : " [\(extent.flags.names.joined(separator: ","))]")
        }
        let more = facts.extents.count > 40 ? ["  … \(facts.extents.count - 40) more"] : []
        let predicted = activation.map {
            $0.ok
                ? "ok pages \($0.pages) extents \($0.extentCount) span \($0.spanPages) max \($0.maxPages) lowest \($0.lowestPhysicalPage.map(String.init) ?? "-") highest \($0.highestPhysicalPage.map(String.init) ?? "-")"
                : "refused (\($0.refusal?.finding.code.rawValue ?? "?")): \($0.refusal?.kernelMessage ?? "(silent)")"
        } ?? "no activation (\(report.undetermined ?? "?"))"
        return ([
            "predicted: \(predicted)",
            "predicted log: \(report.kernelLog ?? "(silent)")",
            "kernel: \(kernel)",
            "file \(facts.path) size \(facts.size) block \(facts.filesystem?.blockSize ?? 0) via \(facts.source.rawValue), \(facts.extents.count) extents:",
        ] + extents + more).joined(separator: "\n")
    }
}

enum GroundTruth {
    /// Syncs, predicts `path` with LiveArea + Inspector, activates it with the real kernel, and expects
    /// the two to agree: the verdict; on success the `Adding` line exactly and /proc/swaps Size; on a
    /// refusal the kernel's message (or its silence) and no `Adding` line.
    @discardableResult
    static func compare(
        _ path: String, via activator: Activator = .utilLinux, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Comparison {
        // ext4 delalloc: place every block before FIEMAP looks (swapon's own vfs_fsync comes too late for us).
        sync()
        let facts = try LiveArea.facts(for: path)
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: kernelTestPageSize))
        let kernel = try Kernel.activate(path, via: activator)
        let comparison = Comparison(facts: facts, report: report, kernel: kernel)
        let evidence = Comment(rawValue: comparison.evidence)

        let activation = try #require(report.activation, "no prediction was made\n\(comparison.evidence)", sourceLocation: sourceLocation)
        #expect(activation.ok == kernel.accepted, evidence, sourceLocation: sourceLocation)
        if kernel.accepted {
            #expect(kernel.addingLine != nil, "the kernel logged no Adding line for \(facts.path)\n\(comparison.evidence)", sourceLocation: sourceLocation)
            #expect(kernel.addingLine == report.kernelLog, evidence, sourceLocation: sourceLocation)
            if activation.ok {
                #expect(kernel.procSwapsSizeKiB == activation.pages * UInt64(kernelTestPageSize / 1024), evidence, sourceLocation: sourceLocation)
            }
        } else {
            #expect(kernel.swapMessages.allSatisfy { !$0.hasPrefix("Adding ") }, evidence, sourceLocation: sourceLocation)
            let predicted = activation.refusal?.kernelMessage.map { [$0] } ?? []
            #expect(kernel.refusalMessages == predicted, evidence, sourceLocation: sourceLocation)
        }
        print("[kernel] \(facts.path): \(kernel.addingLine ?? kernel.refusalMessages.first ?? "(no message)") [\(kernel.detail)]")
        return comparison
    }
}
