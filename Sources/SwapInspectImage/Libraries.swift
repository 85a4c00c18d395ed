internal import CBlkid
internal import CExt2fs

/// The versions of the libraries the offline path is built on (shown by `swapinspect --version`).
public enum ImageLibraries {
    public static var ext2fsVersion: String {
        var version: UnsafePointer<CChar>?
        var date: UnsafePointer<CChar>?
        _ = ext2fs_get_library_version(&version, &date)
        return version.map { String(cString: $0) } ?? "unknown"
    }

    public static var blkidVersion: String {
        var version: UnsafePointer<CChar>?
        var date: UnsafePointer<CChar>?
        _ = blkid_get_library_version(&version, &date)
        return version.map { String(cString: $0) } ?? "unknown"
    }
}
