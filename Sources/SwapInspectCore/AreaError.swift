/// Why a swap area, an image or a file inside an image could not be inspected: what failed on which
/// path, with the errno when a system call failed. Both adapters throw it; the commands print its
/// `description` after `swapinspect: ` and put `path` and `description` in the JSON `errors` array.
public struct AreaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the error is about: the path as given, or `IMAGE:PATH` for a file inside an image
    /// (`disk.img:/swapfile`, `disk.img:2:/swapfile` in a partition).
    public var path: String
    /// What failed: `cannot stat`, `FIEMAP failed`, `cannot read inode 12`.
    public var operation: String
    /// The errno of the failed call, when there is one.
    public var errno: ErrnoName?
    /// Why, in words: the errno's strerror(3) text, or what was found instead.
    public var reason: String

    public init(path: String, operation: String, errno: ErrnoName? = nil, reason: String) {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.reason = reason
    }

    /// The path of a file inside an image (or inside one of its partitions), as errors name it.
    public static func path(_ inner: String, inside image: String) -> String { "\(image):\(inner)" }

    /// `PATH: operation: reason`, on one line: control characters (a newline in a file name) are
    /// written as `\xNN`, the way /dev/kmsg writes them.
    public var description: String { Escapes.visible("\(path): \(operation): \(reason)") }
}
