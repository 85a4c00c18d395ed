import Glibc
import CFuzzDriver
import SwapInspectCore
import SwapInspectImage

/// The offline path over a mutated image: the input is written to a temporary file and audited as
/// `swapinspect image IMAGE` (fstab or the usual names), `--path /swapfile` and `--scan` would audit it:
/// libblkid, libext2fs (read-only), path resolution with symlinks, extent trees, the core.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzImageFile.path
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fatalError("cannot create \(path)") }
    var done = 0
    while done < size {
        let written = write(fd, data + done, size - done)
        guard written > 0 else { fatalError("cannot write \(path)") }
        done += written
    }
    close(fd)
    for options in [
        ImageAuditOptions(pageSize: 4096),
        ImageAuditOptions(pageSize: 4096, paths: ["/swapfile", "/link"]),
        ImageAuditOptions(pageSize: 4096, scan: true),
    ] {
        let audit = ImageAuditor.audit(image: path, options: options)
        for report in audit.reports { _ = report.kernelLog }
    }
    return 0
}

enum FuzzImageFile {
    /// One file per fuzzing process (libFuzzer -jobs/-workers run several).
    static let path: String = {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        return "\(directory)/swapinspect-fuzz-image-\(getpid()).img"
    }()
}

/// The entry point SwiftPM links as main (see CFuzzDriver.h).
@_cdecl("FuzzImage_main")
public func fuzzImageMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    si_fuzz_main(argc, argv) { data, size in fuzzImage(data!, size) }
}
