internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// Filling the temporary swap file, and handing it over under its final name.
extension TemporarySwapFile {
    /// The blocks as the strategy says, the header page at offset 0, then fsync(2). Returns the
    /// strategy used: `preallocate` falls back to zeroes where fallocate(2) is not supported (an ext2/3
    /// format file without extents). ENOSPC, EDQUOT and every other failure throw; the caller removes
    /// the file. With `from` (the length filled before), the file grows to `size`: only the new tail is
    /// allocated, and the header page is written anew (its `last_page`).
    public func fill(_ strategy: CreateStrategy, size: CreateSize, header: [UInt8], from: UInt64 = 0) throws(AreaError) -> CreateStrategy {
        var used = strategy
        switch strategy {
        case .noCowThenPreallocate:
            if from == 0 { try setNoCow() }
            try preallocate(size.bytes)
        case .preallocate:
            do {
                try syscall { si_fallocate(fd.rawValue, size.bytes) }
            } catch where error == .notSupported {
                used = .zeroFill
            } catch {
                throw failure("cannot allocate \(size.bytes) bytes (fallocate)", error)
            }
        case .zeroFill:
            break
        }
        if used == .zeroFill { try writeZeroes(from: max(UInt64(header.count), from), to: size.bytes) }
        try writeAll(header, at: 0, what: "the swap header")
        do {
            try syscall { fsync(fd.rawValue) }
        } catch {
            throw failure("cannot fsync the temporary file", error)
        }
        return used
    }

    func preallocate(_ bytes: UInt64) throws(AreaError) {
        do {
            try syscall { si_fallocate(fd.rawValue, bytes) }
        } catch {
            throw failure("cannot allocate \(bytes) bytes (fallocate)", error)
        }
    }

    /// btrfs: NOCOW on the empty file and compression cleared (FS_IOC_SETFLAGS; btrfs takes NOCOW only
    /// while the file is empty, and clearing FS_COMPR_FL drops an inherited `btrfs.compression` too),
    /// read back: a flag that did not take is a failure, not a warning. Two calls: btrfs's
    /// `check_fsflags` refuses NOCOW (EINVAL) while the old flags still have compression.
    func setNoCow() throws(AreaError) {
        var flags: UInt32 = 0
        do {
            try syscall { si_getflags(fd.rawValue, &flags) }
            if flags & si_fs_compr_fl != 0 {
                try syscall { si_setflags(fd.rawValue, flags & ~si_fs_compr_fl) }
                try syscall { si_getflags(fd.rawValue, &flags) }
            }
            try syscall { si_setflags(fd.rawValue, flags | si_fs_nocow_fl) }
            try syscall { si_getflags(fd.rawValue, &flags) }
        } catch {
            throw failure("cannot set NOCOW (FS_IOC_SETFLAGS)", error)
        }
        if flags & si_fs_nocow_fl == 0 || flags & si_fs_compr_fl != 0 {
            throw AreaError(
                path: target.path, operation: "NOCOW did not take on the temporary file", errno: .invalidArgument,
                reason: "FS_IOC_GETFLAGS reads NOCOW \(flags & si_fs_nocow_fl != 0 ? "set" : "clear"), compression \(flags & si_fs_compr_fl != 0 ? "set" : "clear") after setting them")
        }
    }

    /// Zeroes over [start, end) with write(2), so that every block is written and mapped (bmap).
    func writeZeroes(from start: UInt64, to end: UInt64) throws(AreaError) {
        let zeroes = [UInt8](repeating: 0, count: Self.zeroChunk)
        var offset = start
        while offset < end {
            let count = Int(min(UInt64(zeroes.count), end - offset))
            try writeAll(zeroes[0..<count], at: offset, what: "zeroes")
            offset += UInt64(count)
        }
    }

    func writeAll(_ bytes: some Collection<UInt8>, at offset: UInt64, what: String) throws(AreaError) {
        let buffer = Array(bytes)
        var done = 0
        while done < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                pwrite(fd.rawValue, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done))
            }
            if written < 0 {
                let code = Errno(rawValue: Glibc.errno)
                if code == .interrupted { continue }
                throw failure("cannot write \(what) at byte \(offset + UInt64(done))", code)
            }
            if written == 0 { throw failure("cannot write \(what) at byte \(offset + UInt64(done))", .noSpace) }
            done += written
        }
    }

    /// RENAME_NOREPLACE where the file system has it; FUSE (ntfs-3g) and others answer EINVAL, and
    /// then a hard link, which fails with EEXIST just as atomically, and the temporary name unlinked;
    /// where links are not supported either (vfat: EPERM), a rename after checking the name is free.
    func renameNoReplace() throws(Errno) {
        do {
            try syscall { si_rename_noreplace(directoryFD.rawValue, name, target.name) }
            return
        } catch where error == .invalidArgument || error == .notSupported {
        }
        do {
            try syscall { linkat(directoryFD.rawValue, name, directoryFD.rawValue, target.name, 0) }
            _ = unlinkat(directoryFD.rawValue, name, 0)
            return
        } catch where error == .notPermitted || error == .notSupported {
        }
        var status = Glibc.stat()
        if fstatat(directoryFD.rawValue, target.name, &status, AT_SYMLINK_NOFOLLOW) == 0 { throw Errno.fileExists }
        try syscall { renameat(directoryFD.rawValue, name, directoryFD.rawValue, target.name) }
    }

    func failure(_ operation: String, _ error: Errno) -> AreaError {
        AreaError(path: target.path, operation: operation, errno: error)
    }

    /// The file gets its final name: renameat2(RENAME_NOREPLACE), or rename(2) over the old file with
    /// `replace`; then fsync(2) of the directory, so that the name survives a crash. The signals wait
    /// meanwhile: once renamed, nothing removes it.
    public func commit(replace: Bool) throws(AreaError) {
        si_cleanup_block(1)
        defer { si_cleanup_block(0) }
        do {
            if replace {
                try syscall { renameat(directoryFD.rawValue, name, directoryFD.rawValue, target.name) }
            } else {
                try renameNoReplace()
            }
        } catch {
            throw failure("cannot rename the temporary file into place", error)
        }
        markCommitted()
        si_cleanup_disarm()
        do {
            try syscall { fsync(directoryFD.rawValue) }
        } catch {
            throw failure("renamed, but cannot fsync the directory \(target.directory)", error)
        }
    }
}
