internal import CSwapInspectImage
import Glibc
import SwapInspectCore

/// The private mount namespace of `image --allow-kernel-mount`. unshare(CLONE_NEWNS) in a running,
/// multi-threaded process would move only the calling thread; so swapinspect re-executes itself,
/// same process, same pid, under util-linux `unshare --mount --propagation private` before it audits
/// anything. Everything it then mounts (the kernel mount, and qemu's FUSE export) lives in a
/// namespace that no other process shares: the host's mount table never shows it, and when
/// swapinspect ends in any way (SIGKILL too) the namespace, its mounts and the autoclear loop device go.
public enum KernelMountNamespace {
    /// Set for the re-executed process: the mount namespace (inode of /proc/self/ns/mnt) it came from.
    static let variable = "SWAPINSPECT_KERNEL_MOUNT_FROM"

    /// Re-executes swapinspect in a private mount namespace, once (as root only: mount(2) and loop
    /// devices need CAP_SYS_ADMIN, and without root the audit says so). Returns when it did not (not
    /// root, already re-executed, no unshare(1), or exec failed): the kernel-mount audit then states why.
    public static func enter(arguments: [String]) {
        guard hasSysAdmin(), getenv(variable) == nil, let current = namespace("self") else { return }
        guard let unshare = ChildProcess.find("unshare"), let executable = ownExecutable() else { return }
        setenv(variable, String(current), 1)
        let argv = [unshare, "--mount", "--propagation", "private", "--", executable] + arguments.dropFirst()
        var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        execv(unshare, &pointers)
        for pointer in pointers { free(pointer) }
        unsetenv(variable)
    }

    /// Why a kernel mount cannot be made here, or nil: root, and a mount namespace of our own (another
    /// than the one swapinspect was started in and than init's), made private once more so that no
    /// mount propagates out even where unshare(1) was told otherwise.
    static func unavailable() -> String? {
        guard hasSysAdmin() else {
            return "--allow-kernel-mount needs root (mount(2) and loop devices need CAP_SYS_ADMIN); run it as root, or without --allow-kernel-mount"
        }
        guard let from = getenv(variable).flatMap({ UInt64(String(cString: $0)) }), let current = namespace("self"),
            current != from, current != namespace("1")
        else {
            return "no private mount namespace for the kernel mount (swapinspect re-executes itself under util-linux unshare --mount, which is missing or failed): nothing was mounted"
        }
        guard si_mount_propagation_private() == 0 else {
            return "cannot make the private mount namespace's mounts private (\(String(cString: strerror(errno)))): nothing was mounted"
        }
        return nil
    }

    /// CAP_SYS_ADMIN (bit 21) in the effective set (/proc/self/status CapEff): root in a container
    /// without it could not unshare(1), which would fail after swapinspect is gone.
    static func hasSysAdmin() -> Bool {
        guard geteuid() == 0, let file = fopen("/proc/self/status", "re") else { return false }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix("CapEff:") else { continue }
            let hex = String(text.dropFirst("CapEff:".count).filter(\.isHexDigit))
            return UInt64(hex, radix: 16).map { $0 & (1 << 21) != 0 } ?? false
        }
        return false
    }

    /// The inode of /proc/PID/ns/mnt: which mount namespace a process is in.
    static func namespace(_ process: String) -> UInt64? {
        var status = stat()
        guard stat("/proc/\(process)/ns/mnt", &status) == 0 else { return nil }
        return UInt64(status.st_ino)
    }

    /// /proc/self/exe resolved: unshare(1) would resolve /proc/self/exe to itself.
    static func ownExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let path = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.hasSuffix(" (deleted)") ? nil : path
    }
}
