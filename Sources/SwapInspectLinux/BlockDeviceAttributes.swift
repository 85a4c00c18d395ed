import SwapInspectCore

/// The major and minor number of a dev_t, as glibc's gnu_dev_major/gnu_dev_minor decode it.
func deviceNumbers(_ dev: UInt64) -> (major: UInt32, minor: UInt32) {
    let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~UInt64(0xFFF))
    let minor = (dev & 0xFF) | ((dev >> 12) & ~UInt64(0xFF))
    return (UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor))
}

/// What /sys/dev/block/MAJ:MIN says about a block device: its kernel name and queue attributes.
enum BlockDeviceAttributes {
    static func directory(_ dev: UInt64) -> String {
        let (major, minor) = deviceNumbers(dev)
        return "/sys/dev/block/\(major):\(minor)"
    }

    /// The kernel name of a block device (`loop0`, `vda1`).
    static func name(_ dev: UInt64) -> String? {
        guard let target = readLink(directory(dev)) else { return nil }
        return target.split(separator: "/").last.map(String.init)
    }

    /// A queue attribute of the device, or of its parent disk for a partition (whose directory has no queue/).
    static func queueAttribute(_ dev: UInt64, _ name: String) -> Substring? {
        let base = directory(dev)
        for queue in ["\(base)/queue", "\(base)/../queue"] {
            if let text = readTextFile("\(queue)/\(name)") { return text.split(separator: "\n").first ?? "" }
        }
        return nil
    }

    /// queue/discard_max_bytes is not 0. Unknown counts as no discard.
    static func supportsDiscard(_ dev: UInt64) -> Bool {
        queueAttribute(dev, "discard_max_bytes").flatMap { UInt64($0) }.map { $0 > 0 } ?? false
    }

    /// queue/rotational. Unknown counts as rotational.
    static func isRotational(_ dev: UInt64) -> Bool {
        queueAttribute(dev, "rotational").map { $0.hasPrefix("1") } ?? true
    }
}
