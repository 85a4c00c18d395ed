import SwapInspectCore
import SystemPackage

/// A regular file or block device opened read-only and non-blocking, for signature-level looks.
public struct ReadOnlyArea {
    /// The path as swapon(8) would pass it (realpath(3) of the one given).
    public var canonicalPath: String
    public var kind: AreaKind
    public var size: UInt64
    public var headerBytes: [UInt8]
    public var descriptor: Int32

    /// Opens `path`, runs `body`, closes. Special files are not opened at all: they come back as `.other`.
    public static func with<T>(_ path: String, _ body: (ReadOnlyArea) -> T) throws(AreaError) -> T {
        let status = try OpenedArea.statNamingDanglingLinks(path)
        let canonical = SwapInspectLinux.canonicalPath(path) ?? path
        guard status.isRegular || status.isBlockDevice else {
            return body(ReadOnlyArea(canonicalPath: canonical, kind: .other, size: 0, headerBytes: [], descriptor: -1))
        }
        let opened = try OpenedArea.open(path, expecting: status)
        defer { opened.close() }
        let area = ReadOnlyArea(
            canonicalPath: canonical, kind: opened.status.isBlockDevice ? .blockDevice : .file, size: opened.size,
            headerBytes: opened.header, descriptor: opened.fd.rawValue)
        return body(area)
    }
}
