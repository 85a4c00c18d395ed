internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// Reads what `btrfs_swap_activate` looks at: inode flags (FS_IOC_GETFLAGS), device and sector facts
/// (BTRFS_IOC_FS_INFO, DEV_INFO, SPACE_INFO, INO_LOOKUP — all unprivileged), and, with CAP_SYS_ADMIN,
/// the file's EXTENT_DATA items, the chunk tree, the subvolume's ROOT_ITEM, the extent tree's back
/// references and LOGICAL_INO_V2 (BTRFS_IOC_TREE_SEARCH_V2). Read-only; nothing is written or synced.
enum BtrfsArea {
    struct Gathered {
        var facts: BtrfsFacts
        var notes: [String]
        /// The device `si->bdev` will be (stripe 0 of the first item's chunk, or the only device).
        var swapDevice: String?
    }

    /// Items per TREE_SEARCH_V2 call and the buffer for their bodies (a body is at most a node).
    static let searchBatch: UInt32 = 4096
    static let searchBuffer: UInt64 = 1 << 20
    /// u64 values per LOGICAL_INO_V2 answer (three per referencing item).
    static let logicalInoCapacity: UInt32 = 3 * 4096
    /// Data extents whose referencers are looked up; beyond this the FIEMAP answer stands alone.
    static let logicalInoLimit = 4096

    static func gather(_ fd: FileDescriptor, path: String, inode: UInt64, mountSource: String?) throws(AreaError) -> Gathered {
        var facts = try inodeAndFilesystem(fd, path: path, inode: inode, mountSource: mountSource)
        var notes: [String] = []
        // Everything below is CAP_SYS_ADMIN's.
        do {
            try readExtentItems(fd, into: &facts)
        } catch {
            notes.append(unreadable(error, what: "the file's extent items"))
            return Gathered(facts: facts, notes: notes, swapDevice: onlyDevice(facts))
        }
        do {
            let found = try search(fd, tree: BtrfsLayout.chunkTree, objectid: BtrfsLayout.firstChunkTreeObjectID, type: BtrfsLayout.chunkItemKey)
            facts.chunks = found.compactMap { BtrfsLayout.chunk(logical: $0.key.offset, $0.body) }
        } catch {
            notes.append(unreadable(error, what: "the chunk tree"))
        }
        if let subvolume = facts.subvolume,
            let root = try? search(fd, tree: BtrfsLayout.rootTree, objectid: subvolume, type: BtrfsLayout.rootItemKey).first
        {
            facts.lastSnapshot = BtrfsLayout.lastSnapshot(root.body)
        }
        facts.items = facts.items.map { sharingEvidence(fd, items: $0, lastSnapshot: facts.lastSnapshot, notes: &notes) }
        return Gathered(facts: facts, notes: notes, swapDevice: swapDevice(facts))
    }

    /// What needs no privilege: the inode flags (FS_IOC_GETFLAGS), the file system's geometry
    /// (BTRFS_IOC_FS_INFO), its devices, the subvolume and the data spaces.
    static func inodeAndFilesystem(_ fd: FileDescriptor, path: String, inode: UInt64, mountSource: String?) throws(AreaError) -> BtrfsFacts {
        var flags: UInt32 = 0
        do {
            try syscall { si_getflags(fd.rawValue, &flags) }
        } catch {
            throw AreaError(path: path, operation: "cannot read the inode flags (FS_IOC_GETFLAGS)", errno: error)
        }
        var deviceCount: UInt64 = 1
        var maxID: UInt64 = 1
        var sectorSize: UInt32 = 0
        do {
            try syscall { si_btrfs_fs_info(fd.rawValue, &deviceCount, &maxID, &sectorSize) }
        } catch {
            throw AreaError(path: path, operation: "cannot read the file system's geometry (BTRFS_IOC_FS_INFO)", errno: error)
        }
        var facts = BtrfsFacts(
            noCow: flags & si_fs_nocow_fl != 0, compress: flags & si_fs_compr_fl != 0, inode: inode,
            sectorSize: Int(sectorSize), kernelDeviceName: kernelName(mountSource), deviceCount: Int(deviceCount))
        facts.devices = devices(fd, maxID: maxID)
        var subvolume: UInt64 = 0
        if (try? syscall { si_btrfs_subvolume_id(fd.rawValue, &subvolume) }) != nil { facts.subvolume = subvolume }
        facts.dataSpaceFlags = dataSpaces(fd)
        return facts
    }

    /// The file's EXTENT_DATA items, and NODATASUM from its INODE_ITEM. The INODE_ITEM in the tree lags
    /// the inode in memory until its delayed update is flushed (a `chattr +C` a moment ago is not in it
    /// yet): its NODATASUM is trusted only when it agrees with the live flags on NODATACOW and COMPRESS.
    static func readExtentItems(_ fd: FileDescriptor, into facts: inout BtrfsFacts) throws(Errno) {
        let (inodeFlags, items) = try itemsOfInode(fd, inode: facts.inode)
        facts.items = items
        if let inodeFlags, (inodeFlags & BtrfsLayout.inodeNoDataCow != 0) == facts.noCow,
            (inodeFlags & BtrfsLayout.inodeCompress != 0) == facts.compress
        {
            facts.noDataSum = inodeFlags & BtrfsLayout.inodeNoDataSum != 0
        }
    }

    /// The device `si->bdev` will be: stripe 0 of the chunk of the first item with data, else the only device.
    static func swapDevice(_ facts: BtrfsFacts) -> String? {
        if let first = facts.items?.first(where: { $0.diskBytenr != 0 }), let chunk = facts.chunk(containing: first.diskBytenr),
            let path = facts.devicePath(chunk.stripes[0].devid)
        {
            return path
        }
        return onlyDevice(facts)
    }

    static func unreadable(_ error: Errno, what: String) -> String {
        if error == .notPermitted {
            return "without CAP_SYS_ADMIN (not root) the tree search (BTRFS_IOC_TREE_SEARCH_V2) fails: \(what), the chunk tree, the subvolume's last snapshot and the extent back references are unread. The verdict rests on the inode flags, FIEMAP (holes, inline, compressed, and shared: the kernel's own check), the data profiles and the device count; extents and across are counted on btrfs logical addresses (exact only within one chunk) and resume_offset is unknown. Run as root for device addresses"
        }
        return "\(what) could not be read (BTRFS_IOC_TREE_SEARCH_V2: \(errorText(error)))"
    }

    /// `sb->s_id`: %pg of the device btrfs was mounted from. /proc/self/mountinfo names that device
    /// (btrfs_show_devname prints `latest_dev`); its kernel name is the basename of the resolved path.
    static func kernelName(_ source: String?) -> String? {
        guard let source, source.hasPrefix("/") else { return nil }
        let resolved = canonicalPath(source) ?? source
        return resolved.split(separator: "/").last.map(String.init)
    }

    static func devices(_ fd: FileDescriptor, maxID: UInt64) -> [BtrfsDevice] {
        var found: [BtrfsDevice] = []
        var buffer = [CChar](repeating: 0, count: Int(si_btrfs_device_path_max) + 1)
        for devid in 1...max(maxID, 1) {
            let result = buffer.withUnsafeMutableBufferPointer { pointer in
                try? syscall { si_btrfs_dev_info(fd.rawValue, devid, pointer.baseAddress, UInt32(pointer.count)) }
            }
            if result != nil {
                let path = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                found.append(BtrfsDevice(devid: devid, path: path))
            }
        }
        return found
    }

    static func onlyDevice(_ facts: BtrfsFacts) -> String? {
        facts.deviceCount == 1 ? facts.devices.first?.path : nil
    }

    /// Spaces asked of BTRFS_IOC_SPACE_INFO: one per block group type and profile in use, a handful in practice.
    static let maxSpaces = 64

    /// Flags of the DATA spaces that hold bytes (BTRFS_IOC_SPACE_INFO).
    static func dataSpaces(_ fd: FileDescriptor) -> [UInt64]? {
        var flags = [UInt64](repeating: 0, count: maxSpaces)
        var totals = [UInt64](repeating: 0, count: maxSpaces)
        var count: UInt32 = 0
        let result = flags.withUnsafeMutableBufferPointer { flagPointer in
            totals.withUnsafeMutableBufferPointer { totalPointer in
                try? syscall {
                    si_btrfs_space_info(fd.rawValue, flagPointer.baseAddress, totalPointer.baseAddress, UInt32(maxSpaces), &count)
                }
            }
        }
        guard result != nil else { return nil }
        return (0..<Int(count)).filter { flags[$0] & BtrfsLayout.blockGroupData != 0 && totals[$0] > 0 }.map { flags[$0] }
    }

    struct Key {
        var objectid: UInt64
        var type: UInt8
        var offset: UInt64
    }

    /// Every item of `tree` in the key range, in key order.
    static func search(
        _ fd: FileDescriptor, tree: UInt64, objectid: UInt64, type: UInt8, maxType: UInt8? = nil, maxObjectid: UInt64? = nil,
        batch: UInt32 = searchBatch, buffer: UInt64 = searchBuffer
    ) throws(Errno) -> [(key: Key, body: [UInt8])] {
        var range = si_btrfs_search_range(
            tree_id: tree, min_objectid: objectid, max_objectid: maxObjectid ?? objectid, min_type: UInt32(type),
            max_type: UInt32(maxType ?? type), min_offset: 0, max_offset: .max)
        var found: [(key: Key, body: [UInt8])] = []
        // Not cleared: the shim fills the first `count` items and the bodies they point at, and only those
        // are read. (Zero-filled arrays here cost more than the search itself, once per data extent.)
        let items = UnsafeMutableBufferPointer<si_btrfs_item>.allocate(capacity: Int(batch))
        defer { items.deallocate() }
        let data = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(buffer), alignment: 8)
        defer { data.deallocate() }
        while true {
            var count: UInt32 = 0
            let status = try syscall {
                si_btrfs_tree_search(
                    fd.rawValue, &range, items.baseAddress, batch, data.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer, &count)
            }
            if count == 0 { break }
            for item in items[0..<Int(count)] {
                let start = Int(item.data_offset)
                let body = Array(UnsafeRawBufferPointer(rebasing: data[start..<(start + Int(item.length))]))
                found.append((Key(objectid: item.objectid, type: UInt8(truncatingIfNeeded: item.type), offset: item.offset), body))
            }
            // The shim saw that these were the range's last items.
            if status == 1 { break }
            guard advance(&range, past: items[Int(count) - 1]) else { break }
        }
        return found
    }

    /// Moves the start of `range` just after the key of `last` (the search range is over whole keys);
    /// false when nothing of the range is left.
    static func advance(_ range: inout si_btrfs_search_range, past last: si_btrfs_item) -> Bool {
        if last.offset < .max {
            (range.min_objectid, range.min_type, range.min_offset) = (last.objectid, last.type, last.offset + 1)
        } else if last.type < UInt32(UInt8.max) {
            (range.min_objectid, range.min_type, range.min_offset) = (last.objectid, last.type + 1, 0)
        } else if last.objectid < .max {
            (range.min_objectid, range.min_type, range.min_offset) = (last.objectid + 1, 0, 0)
        } else {
            return false
        }
        return (range.min_objectid, range.min_type, range.min_offset) <= (range.max_objectid, range.max_type, range.max_offset)
    }

    /// The INODE_ITEM's flags and the EXTENT_DATA items of `inode` in the descriptor's subvolume.
    /// One search from INODE_ITEM to EXTENT_DATA (the inode's refs and xattrs in between are skipped).
    static func itemsOfInode(_ fd: FileDescriptor, inode: UInt64) throws(Errno) -> (UInt64?, [BtrfsFileExtentItem]) {
        let found = try search(
            fd, tree: BtrfsLayout.subvolumeOfDescriptor, objectid: inode, type: BtrfsLayout.inodeItemKey, maxType: BtrfsLayout.extentDataKey)
        let flags = found.first { $0.key.type == BtrfsLayout.inodeItemKey }.flatMap { BtrfsLayout.inodeFlags($0.body) }
        let items = found.filter { $0.key.type == BtrfsLayout.extentDataKey }
            .compactMap { BtrfsLayout.fileExtentItem(fileOffset: $0.key.offset, $0.body) }
        return (flags, items)
    }

    /// The back references of each distinct data extent (extent tree), and for extents not newer than the
    /// subvolume's last snapshot, who references them (LOGICAL_INO_V2).
    static func sharingEvidence(
        _ fd: FileDescriptor, items: [BtrfsFileExtentItem], lastSnapshot: UInt64?, notes: inout [String]
    ) -> [BtrfsFileExtentItem] {
        var backrefCache: [UInt64: [BtrfsBackref]?] = [:]
        var referencerCache: [UInt64: [BtrfsReferencer]?] = [:]
        var failure: Errno?
        /// The cached answer for `bytenr`, read once; nil (cached too) when the read fails.
        func cached<T>(_ cache: inout [UInt64: T?], _ bytenr: UInt64, _ read: () throws(Errno) -> T) -> T? {
            if let known = cache[bytenr] { return known }
            var value: T?
            do {
                value = try read()
            } catch {
                failure = failure ?? error
            }
            cache[bytenr] = .some(value)
            return value
        }
        var result = items
        for index in result.indices {
            let item = result[index]
            guard item.type != .inline, item.diskBytenr != 0 else { continue }
            let bytenr = item.diskBytenr
            result[index].backrefs = cached(&backrefCache, bytenr) { () throws(Errno) in try backrefs(fd, bytenr: bytenr) }
            let mayShareTree = lastSnapshot.map { item.generation <= $0 } ?? true
            if mayShareTree && (referencerCache[bytenr] != nil || referencerCache.count < logicalInoLimit) {
                result[index].referencers = cached(&referencerCache, bytenr) { () throws(Errno) in try referencers(fd, logical: bytenr) }
            }
        }
        if let failure {
            notes.append(
                "some extent back references could not be read (\(errorText(failure))); sharing follows FIEMAP_EXTENT_SHARED")
        }
        return result
    }

    /// Items and body bytes of one backref search: an extent item and its keyed references, once per
    /// data extent, with room for a whole node beyond them, so that one call is enough (the shim can tell
    /// the range is exhausted).
    static let backrefBatch: UInt32 = 256
    static let backrefBuffer: UInt64 = 1 << 17

    /// EXTENT_ITEM (inline refs) and keyed EXTENT_DATA_REF / SHARED_DATA_REF items of a data extent.
    static func backrefs(_ fd: FileDescriptor, bytenr: UInt64) throws(Errno) -> [BtrfsBackref] {
        let found = try search(
            fd, tree: BtrfsLayout.extentTree, objectid: bytenr, type: BtrfsLayout.extentItemKey, maxType: BtrfsLayout.sharedDataRefKey,
            batch: backrefBatch, buffer: backrefBuffer)
        var refs: [BtrfsBackref] = []
        for (key, body) in found {
            switch key.type {
            case BtrfsLayout.extentItemKey:
                guard let inline = BtrfsLayout.inlineBackrefs(body) else { throw .ioError }
                refs += inline
            case BtrfsLayout.extentDataRefKey:
                if let ref = BtrfsLayout.extentDataRef(body) { refs.append(ref) }
            case BtrfsLayout.sharedDataRefKey:
                if let ref = BtrfsLayout.sharedDataRef(parent: key.offset, body) { refs.append(ref) }
            default:
                continue
            }
        }
        return refs
    }

    static func referencers(_ fd: FileDescriptor, logical: UInt64) throws(Errno) -> [BtrfsReferencer] {
        // Not cleared: the shim fills the first `count` values, and only those are read.
        let values = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: Int(logicalInoCapacity))
        defer { values.deallocate() }
        var count: UInt32 = 0
        try syscall { si_btrfs_logical_ino(fd.rawValue, logical, values.baseAddress, logicalInoCapacity, &count) }
        return stride(from: 0, to: Int(count) - 2, by: 3).map {
            BtrfsReferencer(inode: values[$0], offset: values[$0 + 1], root: values[$0 + 2])
        }
    }
}
