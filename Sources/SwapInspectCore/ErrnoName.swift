/// An errno as swapon(2), swapoff(2) and the other calls this tool makes return it, named as the C
/// headers and the kernel's documentation spell it (`EINVAL`): the name is what JSON and messages carry.
/// The core never sees numbers; the live adapter maps `Errno` values onto these cases.
public enum ErrnoName: Sendable, Hashable, CustomStringConvertible {
    /// EPERM
    case operationNotPermitted
    /// ENOENT
    case noSuchFileOrDirectory
    /// EINTR
    case interrupted
    /// EIO
    case ioError
    /// ENXIO
    case noSuchDeviceOrAddress
    /// E2BIG
    case argumentListTooLong
    /// EBADF
    case badFileDescriptor
    /// ENOMEM
    case noMemory
    /// EACCES
    case permissionDenied
    /// EFAULT
    case badAddress
    /// EBUSY
    case resourceBusy
    /// EEXIST
    case fileExists
    /// ENODEV
    case noSuchDevice
    /// ENOTDIR
    case notDirectory
    /// EISDIR
    case isDirectory
    /// EINVAL
    case invalidArgument
    /// ENFILE
    case tooManyOpenFilesInSystem
    /// EMFILE
    case tooManyOpenFiles
    /// ENOTTY
    case inappropriateIOCTLForDevice
    /// EFBIG
    case fileTooLarge
    /// ENOSPC
    case noSpace
    /// EROFS
    case readOnlyFileSystem
    /// ELOOP
    case tooManySymbolicLinkLevels
    /// ENAMETOOLONG
    case fileNameTooLong
    /// ENOSYS
    case noFunction
    /// EBADMSG: the kernel's EFSBADCRC, a metadata checksum that does not match.
    case badMessage
    /// EOPNOTSUPP
    case notSupported
    /// ESTALE: a directory entry that names a deleted inode (ext4_iget).
    case staleFileHandle
    /// EUCLEAN: the kernel's EFSCORRUPTED, metadata that fails its checks.
    case structureNeedsCleaning
    /// ETXTBSY
    case textFileBusy
    /// EDQUOT
    case diskQuotaExceeded
    /// An errno without a name here: `errno N`.
    case other(Int32)

    /// The named cases with their C names, in errno order.
    public static let named: [(ErrnoName, String)] = [
        (.operationNotPermitted, "EPERM"), (.noSuchFileOrDirectory, "ENOENT"), (.interrupted, "EINTR"),
        (.ioError, "EIO"), (.noSuchDeviceOrAddress, "ENXIO"), (.argumentListTooLong, "E2BIG"),
        (.badFileDescriptor, "EBADF"), (.noMemory, "ENOMEM"), (.permissionDenied, "EACCES"),
        (.badAddress, "EFAULT"), (.resourceBusy, "EBUSY"), (.fileExists, "EEXIST"), (.noSuchDevice, "ENODEV"),
        (.notDirectory, "ENOTDIR"), (.isDirectory, "EISDIR"), (.invalidArgument, "EINVAL"),
        (.tooManyOpenFilesInSystem, "ENFILE"), (.tooManyOpenFiles, "EMFILE"),
        (.inappropriateIOCTLForDevice, "ENOTTY"), (.textFileBusy, "ETXTBSY"), (.fileTooLarge, "EFBIG"), (.noSpace, "ENOSPC"),
        (.readOnlyFileSystem, "EROFS"), (.tooManySymbolicLinkLevels, "ELOOP"), (.fileNameTooLong, "ENAMETOOLONG"),
        (.noFunction, "ENOSYS"), (.badMessage, "EBADMSG"), (.notSupported, "EOPNOTSUPP"),
        (.staleFileHandle, "ESTALE"), (.structureNeedsCleaning, "EUCLEAN"), (.diskQuotaExceeded, "EDQUOT"),
    ]

    /// The C name (`EINVAL`), or `errno N` for one without a name here.
    public var name: String {
        if case .other(let number) = self { return "errno \(number)" }
        return Self.named.first { $0.0 == self }?.1 ?? "errno"
    }

    /// The case for a C name; nil for a name not listed here.
    public init?(name: String) {
        guard let found = Self.named.first(where: { $0.1 == name }) else { return nil }
        self = found.0
    }

    public var description: String { name }
}
