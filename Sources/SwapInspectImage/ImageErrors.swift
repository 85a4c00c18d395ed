internal import CExt2fs
import Glibc
import SwapInspectCore

extension ErrnoName {
    /// The core's name for a C errno: the name glibc knows it by (strerrorname_np), looked up in
    /// `ErrnoName.named`; `errno N` for one the core does not name.
    init(code: Int32) {
        let name = strerrorname_np(code).map { String(cString: $0) }
        self = name.flatMap(ErrnoName.init(name:)) ?? .other(code)
    }
}

/// The largest errno (the kernel's MAX_ERRNO): com_err codes of libext2fs lie above it, errnos it
/// passes through below.
let maxErrno: errcode_t = 4095

extension AreaError {
    /// A failed call on `path`, with the errno it set (the C global unless given).
    init(path: String, operation: String, errnoCode code: Int32 = Glibc.errno) {
        self.init(path: path, operation: operation, errno: ErrnoName(code: code), reason: String(cString: strerror(code)))
    }

    /// A failed libext2fs call: its com_err text, and the errno when the code is one. Damaged metadata
    /// that the kernel checks as well carries the errno the kernel would return for it (`kernelErrno`).
    init(path: String, operation: String, ext2 code: errcode_t) {
        if code > 0 && code <= maxErrno {
            self.init(path: path, operation: operation, errnoCode: Int32(code))
        } else {
            let text = si_ext2fs_error_message(code).map { String(cString: $0) } ?? "error \(code)"
            self.init(path: path, operation: operation, errno: Self.kernelErrno(code), reason: text)
        }
    }

    /// Checksum failures are the kernel's EFSBADCRC (EBADMSG); metadata it finds malformed its
    /// EFSCORRUPTED (EUCLEAN); nil for what the kernel does not check the same way (a short read).
    static func kernelErrno(_ code: errcode_t) -> ErrnoName? {
        switch code {
        case errcode_t(EXT2_ET_INODE_CSUM_INVALID), errcode_t(EXT2_ET_EXTENT_CSUM_INVALID), errcode_t(EXT2_ET_DIR_CSUM_INVALID),
            errcode_t(EXT2_ET_SB_CSUM_INVALID), errcode_t(EXT2_ET_EXT_ATTR_CSUM_INVALID):
            .badMessage
        case errcode_t(EXT2_ET_EXTENT_HEADER_BAD), errcode_t(EXT2_ET_EXTENT_INDEX_BAD), errcode_t(EXT2_ET_DIR_CORRUPTED),
            errcode_t(EXT2_ET_INODE_IS_GARBAGE), errcode_t(EXT2_ET_BAD_BLOCK_NUM):
            .structureNeedsCleaning
        default: nil
        }
    }

    /// The kernel would fail on the same metadata (its errno is EBADMSG or EUCLEAN).
    var isKernelCorruption: Bool { errno == .badMessage || errno == .structureNeedsCleaning }

    /// The image itself could not be read (EIO from a container's reader, say): a system errno that is
    /// not the kernel's word for damaged metadata. libext2fs's own codes (a bad inode number, a short
    /// read) are about the file system and are not this.
    var isReadFailure: Bool { errno != nil && !isKernelCorruption }
}
