internal import CBlkid
import Glibc
import SwapInspectCore

/// `UUID=`, `LABEL=`, `PARTUUID=`, `PARTLABEL=` resolved to a device as swapon(8) resolves them
/// (libmount's `mnt_resolve_spec`, which is libblkid's tag evaluation: udev's /dev/disk/by-* links
/// first, then a probe of the block devices).
public enum DeviceTags {
    /// The device path for `name=value`, or nil when no device carries it.
    public static func evaluate(name: String, value: String) -> String? {
        var cache: blkid_cache?
        // A cache that lives only in this process: reading or writing /run/blkid/blkid.tab would change
        // a system file, and `inspect` changes nothing (the same trick as `blkid -c /dev/null`).
        guard blkid_get_cache(&cache, "/dev/null") == 0 else { return nil }
        defer { blkid_put_cache(cache) }
        guard let found = blkid_evaluate_tag(name, value, &cache) else { return nil }
        defer { free(found) }
        return String(cString: found)
    }
}

extension DeviceTags {
    /// The value of `tag` (`UUID`) libblkid reads on `device`, or nil (blkid_get_tag_value, probing
    /// with a cache that lives only in this process).
    public static func value(_ tag: String, of device: String) -> String? {
        var cache: blkid_cache?
        guard blkid_get_cache(&cache, "/dev/null") == 0 else { return nil }
        defer { blkid_put_cache(cache) }
        guard let found = blkid_get_tag_value(cache, tag, device) else { return nil }
        defer { free(found) }
        return String(cString: found)
    }
}
