internal import CSwapInspectImage
import Glibc
import SwapInspectCore

/// A read-only, on-demand view of a disk image through qemu: qemu-storage-daemon exports the image's
/// disk (its container format passed explicitly, optionally a byte range of it) as a regular file over
/// FUSE (`writable=off`), which libblkid, libext2fs and xfs_db then read as a raw image. Nothing is
/// copied; qemu reads the clusters a reader asks for. The daemon runs under `ChildProcess`'s limits,
/// and `close()` (also the signal handler, and the daemon's own death signal) stops it and removes the
/// export.
final class QemuExport {
    /// The exported disk: a regular file of the virtual disk's size.
    let path: String
    let directory: String
    let log: String
    private var pid: pid_t
    private var slot: Int32

    /// How long the daemon may take to put the export in place, and how long it may live.
    static let startSeconds = 10
    static let lifetimeSeconds: UInt32 = 1800

    private init(path: String, directory: String, log: String, pid: pid_t, slot: Int32) {
        self.path = path
        self.directory = directory
        self.log = log
        self.pid = pid
        self.slot = slot
    }

    deinit { close() }

    /// What to export: the image in `format`, then optionally `range` of its disk (the raw driver's
    /// offset and size), with the backing chain `backing` (already vetted) spelled out explicitly.
    struct Request {
        var image: String
        var format: DiskImageFormat
        var isBlockDevice = false
        var range: (offset: UInt64, size: UInt64)?
        var backing: [(path: String, format: DiskImageFormat)] = []
        /// qemu reads the files through io_uring (`aio=io_uring`) rather than its thread pool: a FUSE
        /// read is then answered without a hand-off to a worker thread and back.
        var ioUring = false
    }

    /// Whether the kernel lets swapinspect make io_uring instances (kernel.io_uring_disabled: 0, or 1
    /// for a privileged process; absent before Linux 6.6). A seccomp filter can still refuse them:
    /// `start` then starts the daemon again with the thread pool.
    static let ioUringAllowed: Bool = {
        let fd = Glibc.open("/proc/sys/kernel/io_uring_disabled", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return true }
        defer { Glibc.close(fd) }
        var byte: UInt8 = 0
        guard Glibc.read(fd, &byte, 1) == 1 else { return true }
        return byte == UInt8(ascii: "0") || (byte == UInt8(ascii: "1") && geteuid() == 0)
    }()

    /// Starts the export, through io_uring where the kernel allows it, else (or when qemu cannot set
    /// io_uring up) with qemu's thread pool.
    static func start(_ request: Request, name: String) throws(AreaError) -> QemuExport {
        var request = request
        request.ioUring = ioUringAllowed
        do {
            return try launch(request, name: name)
        } catch where request.ioUring && error.reason.contains("io_uring") {
            request.ioUring = false
            return try launch(request, name: name)
        }
    }

    static func launch(_ request: Request, name: String) throws(AreaError) -> QemuExport {
        guard let daemon = ChildProcess.find("qemu-storage-daemon") else {
            throw AreaError(
                path: name, operation: "cannot read a \(request.format) image",
                reason: "qemu-storage-daemon is not installed (Debian: apt install qemu-system-common fuse3)")
        }
        // From the directory's creation to the guard's registration, an interrupt waits: then the
        // handler knows everything there is to remove.
        si_guard_hold()
        defer { si_guard_release() }
        let directory = try temporaryDirectory(name: name)
        let path = directory + "/disk"
        let log = directory + "/qemu.log"
        let created = [path, log].allSatisfy { file in
            let fd = Glibc.open(file, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 { Glibc.close(fd) }
            return fd >= 0
        }
        let logFD = Glibc.open(log, O_WRONLY | O_CLOEXEC)
        guard created, logFD >= 0 else {
            unlink(path); unlink(log); rmdir(directory)
            throw AreaError(path: name, operation: "cannot create the export point in \(directory)")
        }
        let pid = ChildProcess.spawn(daemon, arguments(request, mountpoint: path), stderrFD: logFD)
        Glibc.close(logFD)
        guard pid > 0 else {
            unlink(path); unlink(log); rmdir(directory)
            throw AreaError(path: name, operation: "cannot start qemu-storage-daemon")
        }
        let slot = [path, log].withCStrings { files in si_guard_register(pid, path, files, directory) }
        let export = QemuExport(path: path, directory: directory, log: log, pid: pid, slot: slot)
        _ = si_guard_watch(slot, lifetimeSeconds)
        si_guard_release()
        try export.waitUntilMounted(name: name, format: request.format)
        export.widenReadahead()
        return export
    }

    /// qemu-storage-daemon's command line (JSON blockdevs: no option-syntax escaping, and `null`): the
    /// file (or host device), the format driver with its backing chain, the range, the export.
    static func arguments(_ request: Request, mountpoint: String) -> [String] {
        let protocolDriver = request.isBlockDevice ? "host_device" : "file"
        let aio = request.ioUring ? ",\"aio\":\"io_uring\"" : ""
        // The innermost link first: each wraps the one it is backed by; a qcow2 with none gets null,
        // so that qemu opens no file the header might name.
        var backing = request.format == .qcow2 ? "null" : ""
        for link in request.backing.reversed() {
            let inner = backing.isEmpty ? "" : ",\"backing\":\(backing)"
            backing = "{\"driver\":\(json(link.format.qemuDriver)),\"read-only\":true,\"file\":{\"driver\":\"file\",\"filename\":\(json(link.path))\(aio)}\(inner)}"
        }
        let format =
            "{\"driver\":\(json(request.format.qemuDriver)),\"file\":\"f\",\"read-only\":true,\"node-name\":\"d\""
            + (backing.isEmpty ? "" : ",\"backing\":\(backing)") + "}"
        var arguments = [
            "--blockdev",
            "{\"driver\":\"\(protocolDriver)\",\"filename\":\(json(request.image)),\"read-only\":true,\"node-name\":\"f\"\(aio)}",
            "--blockdev", format,
        ]
        var exported = "d"
        if let range = request.range {
            arguments += ["--blockdev", "driver=raw,file=d,offset=\(range.offset),size=\(range.size),read-only=on,node-name=r"]
            exported = "r"
        }
        arguments += [
            "--export",
            "type=fuse,id=e,node-name=\(exported),mountpoint=\(escape(mountpoint)),writable=off,allow-other=off",
        ]
        return arguments
    }

    /// qemu's option syntax doubles a comma inside a value.
    static func escape(_ value: String) -> String { value.split(separator: ",", omittingEmptySubsequences: false).joined(separator: ",,") }

    /// A JSON string literal (for qemu's JSON option syntax).
    static func json(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case _ where scalar.value < 0x20: text += "\\u00" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    /// The export is in place once the mount point is on another device than its directory. Woken by a
    /// change of the mount table (/proc/self/mountinfo polls POLLPRI after every mount and unmount) or
    /// by the daemon's exit (its pidfd), not by a timer: the export is used the moment it is there.
    func waitUntilMounted(name: String, format: DiskImageFormat) throws(AreaError) {
        var directoryStatus = stat()
        stat(directory, &directoryStatus)
        // Opened before the first look: a mount after it wakes the poll below.
        let mounts = Glibc.open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
        let exits = si_pidfd_open(pid)
        defer {
            if mounts >= 0 { Glibc.close(mounts) }
            if exits >= 0 { Glibc.close(exits) }
        }
        let deadline = Self.milliseconds() + Self.startSeconds * 1000
        while true {
            var status = stat()
            if stat(path, &status) == 0 && status.st_dev != directoryStatus.st_dev { return }
            var childStatus: Int32 = 0
            if waitpid(pid, &childStatus, WNOHANG) == pid {
                pid = 0
                throw AreaError(path: name, operation: "qemu cannot read it as a \(format) image", reason: daemonMessage())
            }
            let left = deadline - Self.milliseconds()
            guard left > 0 else { break }
            var events = [pollfd(fd: mounts, events: Int16(POLLPRI), revents: 0), pollfd(fd: exits, events: Int16(POLLIN), revents: 0)]
            // Without either descriptor (no /proc, a kernel before 5.3): another look after 1 ms.
            _ = poll(&events, 2, Int32(mounts >= 0 && exits >= 0 ? min(left, 1000) : 1))
        }
        throw AreaError(
            path: name, operation: "cannot read it as a \(format) image",
            reason: "qemu-storage-daemon did not export it within \(Self.startSeconds) s")
    }

    /// Readahead of the export, in KiB: the kernel's largest FUSE request (256 pages).
    static let readaheadKiB = 1024

    /// The kernel reads a FUSE file ahead 128 KiB at a time, each a round trip to the daemon: with 1 MiB,
    /// e2fsck's and libext2fs's sequential reads (bitmaps, inode tables, a swap file's blocks) take a
    /// fraction of the trips. It is the export's own backing device (made with the mount, gone with
    /// it); without root it keeps the default.
    func widenReadahead() {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        // glibc's gnu_dev_major / gnu_dev_minor.
        let device = UInt64(status.st_dev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        let fd = Glibc.open("/sys/class/bdi/\(major):\(minor)/read_ahead_kb", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { Glibc.close(fd) }
        let value = Array("\(Self.readaheadKiB)\n".utf8)
        _ = value.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// Milliseconds on the monotonic clock.
    static func milliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
    }

    /// The daemon's first error line without its program name and option: `Could not open …: No such file`.
    func daemonMessage() -> String {
        let fd = Glibc.open(log, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "qemu-storage-daemon exited" }
        defer { Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let got = max(0, bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) })
        var line = Substring(String(decoding: bytes[0..<got], as: UTF8.self).split(separator: "\n").first ?? "qemu-storage-daemon exited")
        if line.hasPrefix("qemu-storage-daemon: ") { line = line.dropFirst("qemu-storage-daemon: ".count) }
        if line.hasPrefix("--"), let colon = line.indices.first(where: { line[$0...].hasPrefix(": ") }) {
            line = line[line.index(colon, offsetBy: 2)...]
        }
        return String(line)
    }

    /// The lifetime limit stopped the daemon: its reads failed, and the audit's errors say why.
    var timedOut: Bool { si_guard_timed_out(slot) != 0 }

    /// Stops the daemon (it unmounts its export on SIGTERM), detaches a mount left behind, removes the files.
    func close() {
        guard slot >= 0 || pid > 0 else { return }
        if pid > 0 { _ = si_terminate(pid, 2000) }
        pid = 0
        si_guard_unregister(slot)
        slot = -1
        var directoryStatus = stat()
        var status = stat()
        // A daemon that died without unmounting leaves a mount whose stat fails with ENOTCONN.
        let statted = stat(path, &status) == 0
        let dead = !statted && errno == ENOTCONN
        if dead || (stat(directory, &directoryStatus) == 0 && statted && status.st_dev != directoryStatus.st_dev) {
            if umount2(path, Int32(MNT_DETACH)) != 0, let fusermount = ChildProcess.find("fusermount3") {
                _ = try? ChildProcess.run(fusermount, ["-u", "-z", "-q", path])
            }
        }
        unlink(path)
        unlink(log)
        rmdir(directory)
    }

    /// A private directory for the export point (or `what` else: the kernel mount's) in $TMPDIR, else /tmp.
    static func temporaryDirectory(name: String, prefix: String = "swapinspect-export", what: String = "the export") throws(AreaError) -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw AreaError(path: name, operation: "cannot create a directory in \(base) for \(what)")
        }
        return String(cString: made)
    }
}

extension Array where Element == String {
    /// The strings as a NULL-terminated C array, valid inside `body`.
    func withCStrings<Result>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result) -> Result {
        let copies: [UnsafeMutablePointer<CChar>?] = map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
