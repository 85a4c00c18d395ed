import Glibc
import SystemPackage

/// The one seam every raw syscall goes through: retries EINTR and turns -1 into a typed `Errno`.
@inline(__always)
@discardableResult
func syscall(_ body: () -> Int32) throws(Errno) -> Int32 {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = Errno(rawValue: Glibc.errno)
        if code == .interrupted { continue }
        throw code
    }
}
