internal import CBlkid
import Glibc
import SwapInspectCore

/// An image file or block device, opened read-only once. Every read is a bounded pread.
final class ImageFile {
    let path: String
    let fd: Int32
    let size: UInt64
    let isBlockDevice: Bool

    private init(path: String, fd: Int32, size: UInt64, isBlockDevice: Bool) {
        self.path = path
        self.fd = fd
        self.size = size
        self.isBlockDevice = isBlockDevice
    }

    deinit { close(fd) }

    /// Opens `path`; messages name it `name` (the image as given, when `path` is its qemu export).
    static func open(_ path: String, name: String? = nil) throws(AreaError) -> ImageFile {
        let name = name ?? path
        var status = stat()
        guard stat(path, &status) == 0 else { throw AreaError(path: name, operation: "cannot stat") }
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFBLK else {
            throw AreaError(path: name, operation: "cannot audit", reason: "\(describe(type)), not an image file or block device")
        }
        // O_NONBLOCK: a path swapped for a FIFO between stat and open must not hang us. Never O_RDWR.
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw AreaError(path: name, operation: "cannot open (read-only)") }
        let size = UInt64(max(0, blkid_get_dev_size(fd)))
        return ImageFile(path: name, fd: fd, size: size, isBlockDevice: type == S_IFBLK)
    }

    /// What an object that is neither a regular file nor a block device is, for messages.
    static func describe(_ type: mode_t) -> String {
        let special: SpecialFile =
            switch type {
            case S_IFDIR: .directory
            case S_IFCHR: .characterDevice
            case S_IFIFO: .fifo
            case S_IFSOCK: .socket
            default: .other
            }
        return "a \(special.name)"
    }

    /// Asks the kernel to read `ranges` (offset, length) into the page cache now, without waiting
    /// (POSIX_FADV_WILLNEED): later small reads of them are cache hits.
    func prefetch(_ ranges: [(offset: UInt64, length: UInt64)]) {
        for range in ranges where range.length > 0 {
            _ = posix_fadvise(fd, off_t(range.offset), off_t(range.length), POSIX_FADV_WILLNEED)
        }
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the image; none past it, wherever a
    /// hostile header points).
    func read(offset: UInt64, count: Int) throws(AreaError) -> [UInt8] {
        guard offset < size, count > 0 else { return [] }
        let count = Int(min(UInt64(count), size - offset))
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw AreaError(path: path, operation: "cannot read \(count) bytes at offset \(offset)")
            }
            if got == 0 { break }
            done += got
        }
        return Array(bytes[0..<done])
    }
}
