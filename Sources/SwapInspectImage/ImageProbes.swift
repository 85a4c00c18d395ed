internal import CBlkid
import Glibc
import SwapInspectCore

/// libblkid's partition and superblock probers over the image.
extension ImageFile {
    /// The unit of libblkid's partition start and size.
    static let sectorSize: UInt64 = 512

    /// The partition table, or nil when libblkid finds none (a file system image, a bare swap area).
    func partitionTable() throws(AreaError) -> PartitionTable? {
        guard let probe = blkid_new_probe() else { throw AreaError(path: path, operation: "cannot allocate a libblkid probe") }
        defer { blkid_free_probe(probe) }
        guard blkid_probe_set_device(probe, fd, 0, 0) == 0 else {
            throw AreaError(path: path, operation: "cannot probe the partition table", reason: "libblkid cannot use the image")
        }
        blkid_probe_enable_superblocks(probe, 0)
        blkid_probe_enable_partitions(probe, 1)
        blkid_probe_set_partitions_flags(probe, Int32(BLKID_PARTS_ENTRY_DETAILS))
        guard let list = blkid_probe_get_partitions(probe), let table = blkid_partlist_get_table(list) else { return nil }
        let type = blkid_parttable_get_type(table).map { String(cString: $0) } ?? "unknown"
        let count = blkid_partlist_numof_partitions(list)
        guard count >= 0 else { return PartitionTable(type: type, partitions: []) }
        let partitions = (0..<count).compactMap { index in
            blkid_partlist_get_partition(list, index).flatMap(Self.partition)
        }
        return PartitionTable(type: type, partitions: partitions)
    }

    /// One entry of the partition list; nil for one libblkid gives no extent.
    static func partition(_ partition: blkid_partition) -> ImagePartition? {
        let start = blkid_partition_get_start(partition)
        let sectors = blkid_partition_get_size(partition)
        guard start >= 0, sectors >= 0 else { return nil }
        var typeText = blkid_partition_get_type_string(partition).map { String(cString: $0) }
        if typeText == nil {
            let code = blkid_partition_get_type(partition)
            if code != 0 { typeText = "0x" + String(code, radix: 16) }
        }
        return ImagePartition(
            number: Int(blkid_partition_get_partno(partition)),
            offset: UInt64(start) * sectorSize, size: UInt64(sectors) * sectorSize, type: typeText,
            uuid: blkid_partition_get_uuid(partition).map { String(cString: $0) },
            name: blkid_partition_get_name(partition).map { String(cString: $0) },
            isExtended: blkid_partition_is_extended(partition) != 0)
    }

    /// libblkid's superblock probers over `size` bytes at `offset`.
    func signature(offset: UInt64, size: UInt64) -> ImageSignature? {
        guard let probe = blkid_new_probe() else { return nil }
        defer { blkid_free_probe(probe) }
        guard blkid_probe_set_device(probe, fd, blkid_loff_t(offset), blkid_loff_t(size)) == 0 else { return nil }
        blkid_probe_enable_partitions(probe, 0)
        blkid_probe_enable_superblocks(probe, 1)
        let flags = BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE | BLKID_SUBLKS_VERSION
        blkid_probe_set_superblocks_flags(probe, Int32(flags))
        switch blkid_do_safeprobe(probe) {
        case SafeProbe.found: break
        case SafeProbe.ambivalent: return ImageSignature(ambivalent: true)
        default: return nil
        }
        func value(_ name: String) -> String? {
            var data: UnsafePointer<CChar>?
            var length = 0
            guard blkid_probe_lookup_value(probe, name, &data, &length) == 0, let data else { return nil }
            return String(cString: data)
        }
        var signature = ImageSignature(type: value("TYPE"), uuid: value("UUID"), label: value("LABEL"))
        signature.version = value("VERSION")
        return signature
    }
}
