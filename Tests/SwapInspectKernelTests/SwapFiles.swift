import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

// Builders for the swap files the kernel is asked about: the ways people make them (dd, fallocate,
// mkswap) and the ways they go wrong (holes, garbage, forged headers, fragmentation).

enum SwapFile {
    /// `dd if=SOURCE of=PATH bs=1M count=N`, mode 0600.
    static func dd(_ path: String, mebibytes: Int, from source: String = "/dev/zero") throws {
        try Tool.run("dd", ["if=\(source)", "of=\(path)", "bs=1M", "count=\(mebibytes)", "status=none"])
        try chmod600(path)
    }

    /// Appends `bytes` zero bytes: a file whose last page is partial.
    static func append(_ path: String, bytes: Int) throws {
        try Tool.run("dd", ["if=/dev/zero", "of=\(path)", "bs=\(bytes)", "count=1", "oflag=append", "conv=notrunc", "status=none"])
    }

    /// `mkswap PATH [SIZE_KIB]`: the size argument makes last_page smaller than the file.
    static func mkswap(_ path: String, sizeKiB: Int? = nil) throws {
        try Tool.run("mkswap", [path] + (sizeKiB.map { ["\($0)"] } ?? []))
    }

    /// `truncate -s BYTES PATH`: a file that is one hole.
    static func sparse(_ path: String, bytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw TestSupportError("cannot create \(path)")
        }
        guard truncate(path, off_t(bytes)) == 0 else { throw TestSupportError("truncate \(path): \(LibC.describe(errno))") }
    }

    /// `fallocate -l BYTES PATH`: preallocated, unwritten extents.
    static func fallocate(_ path: String, bytes: Int) throws {
        let fd = try create(path)
        defer { close(fd) }
        let code = LibC.fallocate(fd, mode: 0, offset: 0, length: bytes)
        guard code == 0 else { throw TestSupportError("fallocate \(path) \(bytes): \(LibC.describe(code))") }
    }

    /// Overwrites the header's `last_page` (u32 at byte 1028, little-endian on every host these tests run on).
    static func forgeLastPage(_ path: String, _ lastPage: UInt32) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TestSupportError("open \(path): \(LibC.describe(errno))") }
        defer { close(fd) }
        let bytes = withUnsafeBytes(of: lastPage.littleEndian) { Array($0) }
        guard pwrite(fd, bytes, bytes.count, 1028) == bytes.count, fsync(fd) == 0 else {
            throw TestSupportError("pwrite \(path): \(LibC.describe(errno))")
        }
    }

    /// `cp --reflink=always SOURCE COPY`: both files then share every extent.
    static func reflinkCopy(_ source: String, to copy: String) throws {
        try Tool.run("cp", ["--reflink=always", source, copy])
        try chmod600(copy)
    }

    static func chmod600(_ path: String) throws {
        guard chmod(path, 0o600) == 0 else { throw TestSupportError("chmod \(path): \(LibC.describe(errno))") }
    }

    static func create(_ path: String) throws -> Int32 {
        let fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestSupportError("create \(path): \(LibC.describe(errno))") }
        return fd
    }
}

/// Where a fragmented file's pieces go: every `keep` blocks of a spacer file are followed by a
/// `gap` of free blocks, and nothing else on the file system is free.
struct GapPattern: Sendable, CustomTestStringConvertible {
    /// Blocks of the spacer kept between two gaps.
    var keep: Int
    /// Free blocks per gap: the most a single piece of the swap file can get.
    var gap: Int
    /// Size of the spacer file in blocks (it holds the gaps).
    var spacerBlocks: Int

    var testDescription: String { "keep \(keep), gap \(gap)" }
}

enum Fragmenter {
    /// Builds a swap file of `bytes` that can only live in the gaps of `pattern`:
    /// 1. no reserve: ext4's reserved clusters and XFS's reserve pool are released, so a full file
    ///    system has no free block left anywhere;
    /// 2. a spacer file is preallocated and its kept blocks written, which splits it into alternating
    ///    written and unwritten extents while there is still room for the extent tree to grow;
    /// 3. a filler takes every remaining free block;
    /// 4. the spacer's unwritten extents are punched out (`fallocate --punch-hole`), whole extents
    ///    only, so punching needs no new tree blocks — those are the gaps;
    /// 5. the swap file is preallocated (it can only land in the gaps), zero-filled with
    ///    `dd conv=notrunc`, synced and given a header by mkswap.
    static func swapFile(_ name: String, bytes: Int, in filesystem: LoopFilesystem, pattern: GapPattern) throws -> String {
        let block = filesystem.spec.blockSize
        try releaseReserves(filesystem)

        let spacer = try SwapFile.create(filesystem.path("spacer"))
        defer { close(spacer) }
        try check(LibC.fallocate(spacer, mode: 0, offset: 0, length: pattern.spacerBlocks * block), "fallocate spacer")
        let stride = pattern.keep + pattern.gap
        let kept = [UInt8](repeating: 0, count: pattern.keep * block)
        var offset = 0
        while offset < pattern.spacerBlocks * block {
            guard pwrite(spacer, kept, kept.count, off_t(offset)) == kept.count else { throw TestSupportError("pwrite spacer: \(LibC.describe(errno))") }
            offset += stride * block
        }
        guard fsync(spacer) == 0 else { throw TestSupportError("fsync spacer: \(LibC.describe(errno))") }

        try fill(filesystem)

        offset = pattern.keep * block
        while offset + pattern.gap * block <= pattern.spacerBlocks * block {
            try check(
                LibC.fallocate(spacer, mode: LibC.fallocPunchHole | LibC.fallocKeepSize, offset: offset, length: pattern.gap * block),
                "punch spacer at \(offset)")
            offset += stride * block
        }
        guard fsync(spacer) == 0 else { throw TestSupportError("fsync spacer: \(LibC.describe(errno))") }

        let path = filesystem.path(name)
        try SwapFile.fallocate(path, bytes: bytes)
        try Tool.run("dd", ["if=/dev/zero", "of=\(path)", "bs=64K", "count=\(bytes / 65536)", "conv=notrunc,fsync", "status=none"])
        try SwapFile.mkswap(path)
        return path
    }

    /// Takes every free block with one growing preallocated file, halving the request on ENOSPC.
    static func fill(_ filesystem: LoopFilesystem) throws {
        let fd = try SwapFile.create(filesystem.path("filler"))
        defer { close(fd) }
        var length = 1 << 30
        while length >= filesystem.spec.blockSize {
            var status = Glibc.stat()
            guard fstat(fd, &status) == 0 else { throw TestSupportError("fstat filler: \(LibC.describe(errno))") }
            let code = LibC.fallocate(fd, mode: 0, offset: Int(status.st_size), length: length)
            if code == ENOSPC {
                length /= 2
            } else {
                try check(code, "fallocate filler")
            }
        }
        guard fsync(fd) == 0 else { throw TestSupportError("fsync filler: \(LibC.describe(errno))") }
    }

    static func releaseReserves(_ filesystem: LoopFilesystem) throws {
        switch filesystem.spec.type {
        case .ext4:
            // s_resv_clusters keeps ~2% of the blocks for metadata; they would stay physically free.
            let knob = "/sys/fs/ext4/\(filesystem.deviceName)/reserved_clusters"
            do {
                try "0".write(toFile: knob, atomically: false, encoding: .utf8)
            } catch {
                throw TestSupportError("cannot write \(knob): \(error)")
            }
        case .xfs:
            try Tool.run("xfs_io", ["-x", "-c", "resblks 0", filesystem.mountPoint])
        case .btrfs:
            throw TestSupportError("the gap fragmenter is for ext4 and XFS; btrfs files are fragmented by interleaved writes")
        }
    }

    private static func check(_ code: Int32, _ what: String) throws {
        guard code == 0 else { throw TestSupportError("\(what): \(LibC.describe(code))") }
    }
}

/// The numbers of a kernel `Adding` line, for checking that a case exercised what it claims.
struct AddingLine {
    var sizeKiB: UInt64
    var priority: Int
    var extents: Int
    var acrossKiB: UInt64

    /// `Adding 16380k swap on /p.  Priority:-2 extents:1 across:16380k [flags]`
    init?(_ line: String?) {
        guard let line, line.hasPrefix("Adding "), let size = UInt64(line.dropFirst(7).prefix { $0 != "k" }),
            let tail = line.range(of: ".  Priority:", options: .backwards)
        else { return nil }
        let fields = line[tail.upperBound...].split(separator: " ")
        guard fields.count >= 3, let priority = Int(fields[0]),
            fields[1].hasPrefix("extents:"), let extents = Int(fields[1].dropFirst(8)),
            fields[2].hasPrefix("across:"), fields[2].hasSuffix("k"), let across = UInt64(fields[2].dropFirst(7).dropLast())
        else { return nil }
        sizeKiB = size
        self.priority = priority
        self.extents = extents
        acrossKiB = across
    }
}
