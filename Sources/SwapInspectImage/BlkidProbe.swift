internal import CBlkid
import Glibc
import SwapInspectCore

/// What blkid_do_safeprobe(3) returns (besides -1, an error).
enum SafeProbe {
    static let found: Int32 = 0
    static let nothing: Int32 = 1
    /// Several signatures compete.
    static let ambivalent: Int32 = -2
}

public enum BlkidProbe {
    /// Low-level superblock probe over an already opened, read-only descriptor.
    public static func probe(fd: Int32) -> BlkidAnswer {
        guard let probe = blkid_new_probe() else { return .failed("cannot allocate a libblkid probe") }
        defer { blkid_free_probe(probe) }
        guard blkid_probe_set_device(probe, fd, 0, 0) == 0 else { return .failed("libblkid cannot use the device") }
        blkid_probe_enable_superblocks(probe, 1)
        let flags = BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE | BLKID_SUBLKS_VERSION
            | BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_SECTYPE
        blkid_probe_set_superblocks_flags(probe, Int32(flags))
        blkid_probe_enable_partitions(probe, 1)
        blkid_probe_set_partitions_flags(probe, Int32(BLKID_PARTS_MAGIC))
        switch blkid_do_safeprobe(probe) {
        case SafeProbe.found: break
        case SafeProbe.nothing: return .nothing
        case SafeProbe.ambivalent: return .ambivalent
        default: return .failed("libblkid probing failed")
        }
        var pairs: [(name: String, value: String)] = []
        for index in 0..<blkid_probe_numof_values(probe) {
            var name: UnsafePointer<CChar>?
            var data: UnsafePointer<CChar>?
            var length = 0
            guard blkid_probe_get_value(probe, index, &name, &data, &length) == 0, let name, let data else { continue }
            pairs.append((String(cString: name), String(cString: data)))
        }
        return .found(BlkidValues(pairs: pairs))
    }
}
