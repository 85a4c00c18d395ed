import Foundation

/// A loop device attached over a file with `losetup --find --show` (never assuming /dev/loop0: other
/// loop users may exist), detached by `detach()` or, at the latest, when the object goes away.
/// Needs root.
public final class LoopDevice {
    /// The device node, `/dev/loopN`.
    public let path: String
    /// The file the device is attached over.
    public let file: String
    public private(set) var attached = true

    /// `losetup --find --show [--read-only] [--offset N] [--sizelimit N] FILE`.
    public init(file: String, readOnly: Bool = false, offset: UInt64? = nil, sizeLimit: UInt64? = nil) throws {
        var arguments = ["--find", "--show"]
        if readOnly { arguments.append("--read-only") }
        if let offset { arguments += ["--offset", String(offset)] }
        if let sizeLimit { arguments += ["--sizelimit", String(sizeLimit)] }
        let printed = try Tool.run("losetup", arguments + [file]).stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard printed.hasPrefix("/dev/loop") else { throw TestSupportError("losetup printed \(printed)") }
        path = printed
        self.file = file
    }

    /// The kernel's name of the device (`loop3`), as /sys/block names it.
    public var name: String { path.split(separator: "/").last.map(String.init) ?? "" }

    /// `losetup -d`, once: nil when the device is detached (now or before), else why it is not.
    @discardableResult
    public func detach() -> String? {
        guard attached else { return nil }
        attached = false
        guard let result = try? Tool.run("losetup", ["-d", path], check: false) else {
            return "losetup -d \(path): losetup could not be run"
        }
        return result.status == 0 ? nil : "losetup -d \(path): \(result.stderr.isEmpty ? "exit \(result.status)" : result.stderr)"
    }

    deinit { detach() }
}

/// A file system mounted with mount(8) on an existing directory. Needs root.
public final class Mount {
    public let device: String
    public let mountPoint: String
    public private(set) var mounted = true

    /// `mount [-t TYPE] DEVICE MOUNTPOINT`.
    public init(_ device: String, at mountPoint: String, type: String? = nil) throws {
        try Tool.run("mount", (type.map { ["-t", $0] } ?? []) + [device, mountPoint])
        self.device = device
        self.mountPoint = mountPoint
    }

    /// `umount MOUNTPOINT`; throws when it fails (the file system is then still mounted).
    public func unmount() throws {
        guard mounted else { return }
        try Tool.run("umount", [mountPoint])
        mounted = false
    }

    /// Cleanup: `umount`, and when the file system is still busy `umount -l`, which detaches it now and
    /// releases the device once its last user goes. Nil when it is no longer mounted, else why not.
    @discardableResult
    public func release() -> String? {
        guard mounted else { return nil }
        if let result = try? Tool.run("umount", [mountPoint], check: false), result.status == 0 {
            mounted = false
            return nil
        }
        if let lazy = try? Tool.run("umount", ["-l", mountPoint], check: false), lazy.status == 0 {
            mounted = false
            return nil
        }
        return "umount \(mountPoint) failed"
    }
}
