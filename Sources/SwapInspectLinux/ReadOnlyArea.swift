import SwapInspectCore
import SystemPackage

/// A regular file or block device opened read-only and non-blocking, for signature-level looks.
public struct ReadOnlyArea {
    public var path: String
    public var canonicalPath: String
    public var kind: AreaKind
    public var size: UInt64
    public var headerBytes: [UInt8]
    public var descriptor: Int32

    /// Opens `path`, runs `body`, closes. Special files are not opened at all: they come back as `.other`.
    public static func with<T>(_ path: String, _ body: (ReadOnlyArea) -> T) -> Result<T, AreaError> {
        let status: FileStatus
        switch LiveArea.statNamingDanglingLinks(path) {
        case .success(let value): status = value
        case .failure(let error): return .failure(error)
        }
        let canonical = SwapInspectLinux.canonicalPath(path) ?? path
        guard status.isRegular || status.isBlockDevice else {
            return .success(body(ReadOnlyArea(path: path, canonicalPath: canonical, kind: .other, size: 0, headerBytes: [], descriptor: -1)))
        }
        let fd: FileDescriptor
        switch LiveArea.openReadOnly(path) {
        case .success(let value): fd = value
        case .failure(let error): return .failure(error)
        }
        defer { try? fd.close() }
        let size: UInt64
        let header: [UInt8]
        switch LiveArea.areaSize(fd, status, path: path).flatMap({ size in
            LiveArea.readHeader(fd, size: size, path: path).map { (size, $0) }
        }) {
        case .success(let value): (size, header) = value
        case .failure(let error): return .failure(error)
        }
        let area = ReadOnlyArea(
            path: path, canonicalPath: canonical, kind: status.isBlockDevice ? .blockDevice : .file, size: size,
            headerBytes: header, descriptor: fd.rawValue)
        return .success(body(area))
    }
}
