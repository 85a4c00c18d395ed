internal import CSwapInspectImage
import Glibc
import SwapInspectCore
internal import SwapInspectLinux

/// `image --allow-kernel-mount`: a file system of the image that the offline readers cannot read,
/// mounted by the kernel itself, read-only in every layer, only inside swapinspect's own private mount
/// namespace (`KernelMountNamespace`): the image (or its qemu export) opened O_RDONLY, a loop device
/// with LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR over the area's bytes (lo_offset, lo_sizelimit), and
/// mount(2) with MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOEXEC and the file system's no-replay option.
/// One mount at a time on one private directory; `close()` unmounts, lets the loop device go and waits
/// until the kernel has detached it. Whatever way swapinspect ends, its namespace goes with it, and
/// with it the mount and then (autoclear) the loop device.
final class KernelMount {
    /// The loop device (`/dev/loop7`).
    let loopDevice: String
    /// The mount point: a private directory in $TMPDIR (the signal handler removes it).
    let directory: String
    private var loopFD: Int32
    private var slot: Int32
    private(set) var mounted = false
    let name: String

    /// How long `close()` waits for the autoclear to detach the loop device (udev may still hold it).
    static let detachSeconds = 5

    private init(loopDevice: String, directory: String, loopFD: Int32, slot: Int32, name: String) {
        self.loopDevice = loopDevice
        self.directory = directory
        self.loopFD = loopFD
        self.slot = slot
        self.name = name
    }

    deinit { _ = close() }

    /// The mount options: read-only and no log or journal replay (fs/btrfs/super.c: `rescue=nologreplay`
    /// is accepted only with `ro`; open_ctree then skips btrfs_replay_log, and a read-only mount never
    /// starts a transaction: btrfs_start_pre_rw_mount is not reached).
    static func options(type: String) -> String? {
        switch type {
        case "btrfs": "rescue=nologreplay"
        default: nil
        }
    }

    /// The flags mount(2) gets, as `mount -o` would spell them with the options.
    static func describedOptions(type: String, subvolume: String?) -> String {
        (["ro", "nodev", "nosuid", "noexec"] + [options(type: type), subvolume].compactMap { $0 }).joined(separator: ",")
    }

    /// Attaches `size` bytes at `offset` of `source` (the image, or its qemu export) to a read-only
    /// loop device and makes the private mount point.
    static func attach(source: String, offset: UInt64, size: UInt64, name: String) throws(AreaError) -> KernelMount {
        let backing = Glibc.open(source, O_RDONLY | O_CLOEXEC)
        guard backing >= 0 else { throw AreaError(path: name, operation: "cannot open for the kernel mount", errnoCode: errno) }
        defer { Glibc.close(backing) }
        // From the directory's creation to the guard's registration, an interrupt waits.
        si_guard_hold()
        defer { si_guard_release() }
        let directory = try QemuExport.temporaryDirectory(name: name, prefix: "swapinspect-mount", what: "the kernel mount")
        var path = [CChar](repeating: 0, count: 64)
        let loopFD = si_loop_attach_read_only(backing, offset, size, &path, UInt(path.count))
        guard loopFD >= 0 else {
            let code = errno
            rmdir(directory)
            throw AreaError(
                path: name, operation: "cannot attach a read-only loop device",
                errno: ErrnoName(code: code), reason: String(cString: strerror(code)) + loopAdvice(code))
        }
        let slot = si_guard_register(0, directory, nil, directory)
        let device = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return KernelMount(loopDevice: device, directory: directory, loopFD: loopFD, slot: slot, name: name)
    }

    static func loopAdvice(_ code: Int32) -> String {
        switch code {
        case ENOENT, ENXIO, ENODEV: " (no loop devices: modprobe loop)"
        case EPERM, EACCES: " (loop devices need root: CAP_SYS_ADMIN)"
        default: ""
        }
    }

    /// Mounts the loop device read-only on `directory` with the file system's options and `subvolume`
    /// (`subvol=@swap`); the kernel's own lines about the device are the reason of a refusal.
    func mount(type: String, subvolume: String?) throws(AreaError) {
        let data = [Self.options(type: type), subvolume].compactMap { $0 }.joined(separator: ",")
        let log = KernelLogCursor()
        guard si_mount_read_only(loopDevice, directory, type, data) == 0 else {
            let code = errno
            let lines = Self.kernelLines(log.drain() ?? [], device: loopDevice)
            let described = Self.describedOptions(type: type, subvolume: subvolume)
            throw AreaError(
                path: name, operation: "the kernel refuses to mount it (\(type), -o \(described))", errno: ErrnoName(code: code),
                reason: String(cString: strerror(code)) + (lines.isEmpty ? "" : "; kernel: " + lines.joined(separator: "; ")))
        }
        _ = log.drain()
        mounted = true
    }

    /// The kernel's messages about the loop device (`BTRFS error (device loop7): …`), its
    /// informational lines left out; at most a few.
    static func kernelLines(_ messages: [String], device: String) -> [String] {
        let kernelName = device.split(separator: "/").last.map(String.init) ?? device
        // `BTRFS error (device loop7): …`, or with the file system's state: `(device loop7 state E)`.
        let about = messages.filter { $0.contains("(device \(kernelName))") || $0.contains("(device \(kernelName) ") }
        let serious = about.filter { !$0.contains(" info ") && !$0.contains("open_ctree failed") }
        return Array((serious.isEmpty ? about : serious).prefix(3))
    }

    func unmount() -> AreaError? {
        guard mounted else { return nil }
        mounted = false
        guard si_unmount(directory) == 0 else {
            let error = AreaError(path: name, operation: "cannot unmount the kernel mount \(directory)", errnoCode: errno)
            _ = umount2(directory, Int32(MNT_DETACH))
            return error
        }
        return nil
    }

    /// Unmounts, closes the loop device (autoclear then detaches it), removes the mount point, and waits
    /// until the kernel has let the loop device go; an error when something stayed.
    func close() -> AreaError? {
        guard slot >= 0 || loopFD >= 0 else { return nil }
        var problem = unmount()
        if loopFD >= 0 { Glibc.close(loopFD) }
        loopFD = -1
        rmdir(directory)
        si_guard_unregister(slot)
        slot = -1
        if problem == nil && !Self.waitUntilDetached(loopDevice) {
            problem = AreaError(
                path: name, operation: "the loop device \(loopDevice) is still attached",
                reason: "the kernel did not detach it within \(Self.detachSeconds) s of the unmount (autoclear); losetup -d \(loopDevice) removes it")
        }
        return problem
    }

    /// The autoclear is done once the device has no backing file (`/sys/block/loopN/loop` is gone).
    static func waitUntilDetached(_ device: String) -> Bool {
        let kernelName = device.split(separator: "/").last.map(String.init) ?? device
        for _ in 0..<(detachSeconds * 100) {
            if access("/sys/block/\(kernelName)/loop/backing_file", F_OK) != 0 { return true }
            usleep(10_000)
        }
        return false
    }
}
