/// The permission bits of a mode as four octal digits (`0600`), as chmod(1) takes them.
public func octalMode(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

/// What a mode's file type is, for messages ("a directory", "a FIFO", …): the S_IFMT bits, which every
/// Linux file system stores alike (ext4's i_mode, XFS's di_mode, btrfs's inode item, stat(2)).
public func fileTypeDescription(_ mode: UInt32) -> String {
    switch mode & 0o170000 {
    case 0o100000: "a regular file"
    case 0o040000: "a directory"
    case 0o120000: "a symbolic link"
    case 0o060000: "a block device"
    case 0o020000: "a character device"
    case 0o010000: "a FIFO"
    case 0o140000: "a socket"
    default: "of unknown type \(String(mode & 0o170000, radix: 8))"
    }
}
