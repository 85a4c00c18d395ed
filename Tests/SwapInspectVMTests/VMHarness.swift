import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

// The qemu guest of `make test-vm`: Debian's cloud kernel (CONFIG_HIBERNATION=y, vfat and exFAT as
// modules) booted under qemu-system-x86_64 (TCG) with an initramfs Tests/VM/vm.sh builds from busybox,
// Tests/VM/init, the plans and steps of Tests/VM and the release build of swapinspect. The guest runs
// the steps of one plan and prints "@@VM" lines on its serial console (Tests/VM/lib.sh); `SerialLog`
// reads them.

/// The root of every VM test. Serialized: each boot takes a CPU for seconds, and the hibernation boots
/// depend on each other. Runs only with SWAPINSPECT_VM=1 (`make test-vm`); skips with the reason printed
/// when qemu, busybox-static, the release binary or the kernel package is not there, unless CI=true.
@Suite(.serialized, .enabled(if: VMPrerequisites.shouldRun, VMPrerequisites.skipComment))
struct SwapInspectVMTests {}

enum VMPrerequisites {
    static let environment = ProcessInfo.processInfo.environment
    static let requested = environment["SWAPINSPECT_VM"] == "1"
    static let requiredByCI = environment["CI"] == "true"

    /// The release build (`make release`, static Swift runtime): the guest has no Swift toolchain.
    static let binary: String = {
        if let path = environment["SWAPINSPECT_VM_BIN"], !path.isEmpty { return path }
        return PackageRoot.appending(".build/release/swapinspect").path
    }()

    /// The build area of the VM tests (ignored by git): the kernel package cache, the initramfs, the
    /// serial logs of the last run.
    static let buildArea = PackageRoot.appending(".build-vm").path

    /// Each missing prerequisite, in words (empty when the tests can run); the kernel is fetched here.
    static let missing: [String] = {
        guard requested else { return ["SWAPINSPECT_VM=1 is not set (run make test-vm)"] }
        var missing: [String] = []
        if Runner.tool("qemu-system-x86_64") == nil { missing.append("qemu-system-x86_64 not found (qemu-system-x86)") }
        for tool in ["busybox", "cpio", "mkfs.vfat", "mkfs.exfat", "mkfs.ext4", "depmod", "modprobe", "xz", "strip"]
        where Runner.tool(tool) == nil {
            missing.append("\(tool) not found")
        }
        if access(binary, X_OK) != 0 { missing.append("\(binary) is not built (make release, or SWAPINSPECT_VM_BIN)") }
        if missing.isEmpty, case .failure(let reason) = GuestKernel.fetch() { missing.append(reason) }
        if !missing.isEmpty {
            let verdict = requiredByCI && requested ? "CI=true, so they will FAIL" : "skipping them"
            FileHandle.standardError.write(
                Data("SwapInspectVMTests: \(missing.joined(separator: "; ")) — \(verdict)\n".utf8))
        }
        return missing
    }()

    static var shouldRun: Bool { requested && (missing.isEmpty || requiredByCI) }

    static var skipComment: Comment { Comment(rawValue: "VM tests skipped: \(missing.joined(separator: "; "))") }

    static func require() throws {
        guard missing.isEmpty else {
            throw TestSupportError("CI=true requires the VM tests to run, but: \(missing.joined(separator: "; "))")
        }
    }
}

/// Tests/VM/vm.sh, run from the package root.
enum VMScript {
    static let path = PackageRoot.appending("Tests/VM/vm.sh").path

    /// Exit status 77 means "not available here" (the reason on stderr); anything else non-zero fails.
    static func run(_ arguments: [String], timeout: TimeInterval = 600) throws -> RunResult {
        try Runner.run(path, arguments, timeout: timeout)
    }

    /// `vm.sh disk KIND` into `directory`: the image's path.
    static func disk(_ kind: String, in directory: TemporaryDirectory) throws -> String {
        let disk = directory.file("\(kind).img")
        let made = try run(["disk", kind, disk])
        guard made.status == 0 else { throw TestSupportError("vm.sh disk \(kind): \(made)") }
        return disk
    }
}

/// The kernel package, downloaded once into the build area, and the initramfs built for this run.
enum GuestKernel {
    enum Fetch { case success(String), failure(String) }

    /// The extracted vmlinuz, or why there is none.
    static func fetch() -> Fetch { fetched }

    private static let fetched: Fetch = {
        do {
            let result = try VMScript.run(["kernel", VMPrerequisites.buildArea + "/cache"])
            let vmlinuz = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            if result.status == 0 && !vmlinuz.isEmpty { return .success(vmlinuz) }
            return .failure(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return .failure("Tests/VM/vm.sh kernel: \(error)")
        }
    }()

    static func vmlinuz() throws -> String {
        switch fetch() {
        case .success(let path): return path
        case .failure(let reason): throw TestSupportError("no guest kernel: \(reason)")
        }
    }

    /// Built once per test process, so that a change to Tests/VM or the binary is always in it.
    static func initramfs() throws -> String { try builtInitramfs.get() }

    private static let builtInitramfs: Result<String, Error> = Result {
        let output = VMPrerequisites.buildArea + "/initramfs.cpio"
        let result = try VMScript.run(["initramfs", try vmlinuz(), VMPrerequisites.binary, output])
        guard result.status == 0 else { throw TestSupportError("vm.sh initramfs failed: \(result)") }
        return output
    }
}
