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

    /// A failed libext2fs call: its com_err text, and the errno when the code is one.
    init(path: String, operation: String, ext2 code: errcode_t) {
        if code > 0 && code <= maxErrno {
            self.init(path: path, operation: operation, errnoCode: Int32(code))
        } else {
            let text = si_ext2fs_error_message(code).map { String(cString: $0) } ?? "error \(code)"
            self.init(path: path, operation: operation, reason: text)
        }
    }
}
