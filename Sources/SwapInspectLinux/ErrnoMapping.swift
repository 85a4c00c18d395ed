internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

extension ErrnoName {
    /// The core's name for a swift-system `Errno`: the C name glibc knows it by (strerrorname_np),
    /// looked up in `ErrnoName.named`; `errno N` for one the core does not name.
    public init(_ errno: Errno) {
        let name = si_errno_name(errno.rawValue).map { String(cString: $0) }
        self = name.flatMap(ErrnoName.init(name:)) ?? .other(errno.rawValue)
    }
}

/// Error text for an errno, as strerror(3) spells it.
public func errorText(_ errno: Errno) -> String { String(cString: strerror(errno.rawValue)) }

extension AreaError {
    /// A failed call on `path`: the errno named as the core names it, the reason its strerror(3)
    /// text unless a better one is given.
    init(path: String, operation: String, errno: Errno, reason: String? = nil) {
        self.init(path: path, operation: operation, errno: ErrnoName(errno), reason: reason ?? errorText(errno))
    }
}
