internal import CBlkid
import Glibc
import SwapInspectCore

/// Why an image (or a part of it) could not be read. `description` is the one line shown after
/// `swapinspect: `; it names the image, then the part, then what failed.
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// A partition as libblkid's partition probers list it.
public struct ImagePartition: Sendable, Equatable {
    /// `blkid_partition_get_partno`: the number in the kernel's name (sda*2*).
    public var number: Int
    /// Byte offset and size inside the image.
    public var offset: UInt64
    public var size: UInt64
    /// GPT type GUID, or the MBR type as `0x83`.
    public var type: String?
    /// PARTUUID (GPT unique GUID, or `disk-id-NN` for MBR).
    public var uuid: String?
    /// PARTLABEL (GPT name).
    public var name: String?
    /// An MBR extended partition: a container, never a file system.
    public var isExtended: Bool

    /// EFI System, BIOS boot and other firmware partitions: by convention never hold swap.
    public var isFirmware: Bool {
        guard let type = type?.lowercased() else { return false }
        return [
            "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",  // EFI System
            "21686148-6449-6e6f-744e-656564454649",  // BIOS boot
            "0xef",
        ].contains(type)
    }
}

/// The partition table libblkid finds at the start of a whole-disk image.
public struct PartitionTable: Sendable, Equatable {
    /// `gpt`, `dos`, …
    public var type: String
    public var partitions: [ImagePartition]
}

/// What libblkid's superblock probers find at some offset of the image.
public struct ImageSignature: Sendable, Equatable {
    public var type: String?
    public var uuid: String?
    public var label: String?
    public var version: String?
    /// Several signatures compete and libblkid will not choose.
    public var ambivalent = false
}

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

    static func open(_ path: String) -> Result<ImageFile, ImageError> {
        var status = stat()
        guard stat(path, &status) == 0 else { return .failure(ImageError("\(path): cannot stat: \(errnoText())")) }
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFBLK else {
            let what = type == S_IFDIR ? "a directory" : type == S_IFCHR ? "a character device" : type == S_IFIFO ? "a FIFO" : type == S_IFSOCK ? "a socket" : "a special file"
            return .failure(ImageError("\(path): \(what), not an image file or block device"))
        }
        // O_NONBLOCK: a path swapped for a FIFO between stat and open must not hang us. Never O_RDWR.
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .failure(ImageError("\(path): cannot open (read-only): \(errnoText())")) }
        let size = UInt64(max(0, blkid_get_dev_size(fd)))
        return .success(ImageFile(path: path, fd: fd, size: size, isBlockDevice: type == S_IFBLK))
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the image).
    func read(offset: UInt64, count: Int) -> Result<[UInt8], ImageError> {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0 {
                if errno == EINTR { continue }
                return .failure(ImageError("\(path): cannot read \(count) bytes at offset \(offset): \(errnoText())"))
            }
            if got == 0 { break }
            done += got
        }
        return .success(Array(bytes[0..<done]))
    }

    /// The partition table, or nil when libblkid finds none (a file system image, a bare swap area).
    func partitionTable() -> Result<PartitionTable?, ImageError> {
        guard let probe = blkid_new_probe() else { return .failure(ImageError("\(path): cannot allocate a libblkid probe")) }
        defer { blkid_free_probe(probe) }
        guard blkid_probe_set_device(probe, fd, 0, 0) == 0 else {
            return .failure(ImageError("\(path): libblkid cannot use the image"))
        }
        blkid_probe_enable_superblocks(probe, 0)
        blkid_probe_enable_partitions(probe, 1)
        blkid_probe_set_partitions_flags(probe, Int32(BLKID_PARTS_ENTRY_DETAILS))
        guard let list = blkid_probe_get_partitions(probe), let table = blkid_partlist_get_table(list) else {
            return .success(nil)
        }
        let type = blkid_parttable_get_type(table).map { String(cString: $0) } ?? "unknown"
        var partitions: [ImagePartition] = []
        let count = blkid_partlist_numof_partitions(list)
        guard count >= 0 else { return .success(PartitionTable(type: type, partitions: [])) }
        for index in 0..<count {
            guard let partition = blkid_partlist_get_partition(list, index) else { continue }
            let start = blkid_partition_get_start(partition)
            let sectors = blkid_partition_get_size(partition)
            guard start >= 0, sectors >= 0 else { continue }
            var typeText = blkid_partition_get_type_string(partition).map { String(cString: $0) }
            if typeText == nil {
                let code = blkid_partition_get_type(partition)
                if code != 0 { typeText = "0x" + String(code, radix: 16) }
            }
            partitions.append(
                ImagePartition(
                    number: Int(blkid_partition_get_partno(partition)),
                    offset: UInt64(start) * 512, size: UInt64(sectors) * 512, type: typeText,
                    uuid: blkid_partition_get_uuid(partition).map { String(cString: $0) },
                    name: blkid_partition_get_name(partition).map { String(cString: $0) },
                    isExtended: blkid_partition_is_extended(partition) != 0))
        }
        return .success(PartitionTable(type: type, partitions: partitions))
    }

    /// libblkid's superblock probers over `size` bytes at `offset`.
    func signature(offset: UInt64, size: UInt64) -> ImageSignature? {
        guard let probe = blkid_new_probe() else { return nil }
        defer { blkid_free_probe(probe) }
        guard blkid_probe_set_device(probe, fd, blkid_loff_t(offset), blkid_loff_t(size)) == 0 else { return nil }
        blkid_probe_enable_partitions(probe, 0)
        blkid_probe_enable_superblocks(probe, 1)
        let flags = BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE | BLKID_SUBLKS_VERSION
        blkid_probe_set_superblocks_flags(probe, Int32(flags))
        switch blkid_do_safeprobe(probe) {
        case 0: break
        case -2: return ImageSignature(ambivalent: true)
        default: return nil
        }
        func value(_ name: String) -> String? {
            var data: UnsafePointer<CChar>?
            var length = 0
            guard blkid_probe_lookup_value(probe, name, &data, &length) == 0, let data else { return nil }
            return String(cString: data)
        }
        return ImageSignature(type: value("TYPE"), uuid: value("UUID"), label: value("LABEL"), version: value("VERSION"))
    }
}

func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
