internal import CExt2fs
import SwapInspectCore

/// What one `--scan` of an inode table did: the groups it read and skipped, the inodes it read, and
/// the inodes it could not read (reported, and the scan goes on).
public struct ScanStatistics: Sendable, Equatable {
    public var filesystem: String
    public var groups: UInt32 = 0
    /// Groups not read: INODE_UNINIT, or every inode free by the descriptor's own count.
    public var groupsSkipped: UInt32 = 0
    /// Inodes read from the inode table (what the scan's time grows with).
    public var inodesRead: UInt64 = 0
    public var inodesTotal: UInt64 = 0
}

extension ExtFilesystem {
    /// Bad inodes reported one by one; the rest are counted.
    static let badInodesListed = 10

    /// The inodes of `group` worth reading, by its descriptor's own counts: none for a group whose
    /// inode table is uninitialised or all of whose inodes are free, else those below bg_itable_unused.
    func inodesInUse(group: dgrp_t) -> UInt32 {
        let perGroup = superblock.s_inodes_per_group
        let csum = ext2fs_has_group_desc_csum(fs) != 0
        if csum && ext2fs_bg_flags_test(fs, group, UInt16(EXT2_BG_INODE_UNINIT)) != 0 { return 0 }
        if ext2fs_bg_free_inodes_count(fs, group) >= perGroup { return 0 }
        let unused = csum ? ext2fs_bg_itable_unused(fs, group) : 0
        return perGroup - min(unused, perGroup)
    }

    /// Every in-use regular file whose first page could carry a signature, from the inode table
    /// (ext2fs_get_next_inode_full), group by group, skipping the groups `inodesInUse` rules out, so
    /// that the time grows with the inodes in use, not with the file system. An inode that cannot be
    /// read (a bad checksum, a garbage inode) goes into `bad` and the scan goes on.
    /// `progress` gets (inodes read, inodes to read).
    func scanRegularFiles(
        minimumSize: UInt64, statistics: inout ScanStatistics, bad: inout [AreaError], progress: ((UInt64, UInt64) -> Void)?
    ) throws(AreaError) -> [Inode] {
        var scan: ext2_inode_scan?
        let code = ext2fs_open_inode_scan(fs, 0, &scan)
        guard code == 0, let scan else { throw AreaError(path: name, operation: "cannot scan the inode table", ext2: code) }
        defer { ext2fs_close_inode_scan(scan) }
        _ = ext2fs_inode_scan_flags(scan, Int32(EXT2_SF_SKIP_MISSING_ITABLE), 0)
        let groups = fs.pointee.group_desc_count
        let wanted = (0..<groups).map { inodesInUse(group: $0) }
        statistics.groups = groups
        statistics.groupsSkipped = UInt32(wanted.filter { $0 == 0 }.count)
        statistics.inodesTotal = wanted.reduce(0) { $0 + UInt64($1) }
        var found: [Inode] = []
        for group in 0..<groups where wanted[Int(group)] > 0 {
            scanGroup(scan, group, count: wanted[Int(group)], minimumSize: minimumSize, into: &found, statistics: &statistics, bad: &bad)
            progress?(statistics.inodesRead, statistics.inodesTotal)
        }
        return found
    }

    /// The first `count` inodes of `group`; a failure to read its inode table ends the group, not the scan.
    func scanGroup(
        _ scan: ext2_inode_scan, _ group: dgrp_t, count: UInt32, minimumSize: UInt64, into found: inout [Inode],
        statistics: inout ScanStatistics, bad: inout [AreaError]
    ) {
        let sb = superblock
        let firstInode = sb.s_rev_level == 0 ? UInt32(EXT2_GOOD_OLD_FIRST_INO) : sb.s_first_ino
        let first = group * sb.s_inodes_per_group + 1
        var code = ext2fs_inode_scan_goto_blockgroup(scan, Int32(group))
        guard code == 0 else {
            bad.append(AreaError(path: name, operation: "cannot read the inode table of group \(group)", ext2: code))
            return
        }
        while true {
            var number: ext2_ino_t = 0
            var raw = ext2_inode()
            code = ext2fs_get_next_inode_full(scan, &number, &raw, Int32(MemoryLayout<ext2_inode>.size))
            if code == EXT2_ET_BAD_BLOCK_IN_INODE_TABLE { continue }
            if code != 0 && number == 0 {
                bad.append(AreaError(path: name, operation: "cannot read the inode table of group \(group)", ext2: code))
                return
            }
            if number == 0 || number >= first + count || number < first { return }
            statistics.inodesRead += 1
            guard code == 0 else {
                bad.append(AreaError(path: name, operation: "cannot read inode \(number)", ext2: code))
                // ext2fs_get_next_inode_full has moved on past a bad inode; not past an unreadable block.
                if code == errcode_t(EXT2_ET_INODE_CSUM_INVALID) || code == errcode_t(EXT2_ET_INODE_IS_GARBAGE) { continue }
                return
            }
            let inode = Inode(number: number, raw: raw)
            guard number >= firstInode, inode.inUse, inode.isRegular, inode.size >= minimumSize else { continue }
            found.append(inode)
        }
    }

    /// Paths of the given inodes, from a walk of the directory tree from the root
    /// (ext2fs_dir_iterate2); stops as soon as every inode is named. Hard links: the first name found.
    func paths(for wanted: Set<UInt32>) -> [UInt32: String] {
        let walk = DirectoryWalk(wanted: wanted)
        var queue: [(UInt32, String)] = [(UInt32(EXT2_ROOT_INO), "")]
        var visited: Set<UInt32> = [UInt32(EXT2_ROOT_INO)]
        // Breadth first; an index instead of removeFirst, which would shift the whole queue each time.
        var next = 0
        while next < queue.count && !walk.wanted.isEmpty {
            let (directory, prefix) = queue[next]
            next += 1
            readDirectory(directory, prefix: prefix, into: walk)
            for (number, path) in walk.subdirectories where !visited.contains(number) {
                if let inode = try? inode(number), inode.isDirectory {
                    visited.insert(number)
                    queue.append((number, path))
                }
            }
        }
        return walk.names
    }

    /// What a walk of the directory tree has found, shared with the ext2fs_dir_iterate2 callback.
    final class DirectoryWalk {
        var wanted: Set<UInt32>
        var names: [UInt32: String] = [:]
        /// The entries of the directory just read that may be directories, with their paths.
        var subdirectories: [(UInt32, String)] = []
        var prefix = ""
        init(wanted: Set<UInt32>) { self.wanted = wanted }
    }

    /// The entries of one directory (ext2fs_dir_iterate2): names the wanted inodes among them and
    /// collects the subdirectories; stops early once every wanted inode is named.
    func readDirectory(_ directory: UInt32, prefix: String, into walk: DirectoryWalk) {
        walk.prefix = prefix
        walk.subdirectories = []
        _ = withExtendedLifetime(walk) {
            ext2fs_dir_iterate2(
                fs, directory, 0, nil,
                { _, entry, dirent, _, _, _, context in
                    guard let dirent, let context, entry == DIRENT_OTHER_FILE else { return 0 }
                    let walk = Unmanaged<DirectoryWalk>.fromOpaque(context).takeUnretainedValue()
                    // name_len: the length in its low byte, the file type (filetype feature) in its high byte.
                    let length = Int(dirent.pointee.name_len & 0xFF)
                    let raw = UnsafeRawPointer(dirent) + MemoryLayout<ext2_dir_entry>.offset(of: \.name)!
                    let name = String(decoding: UnsafeRawBufferPointer(start: raw, count: length), as: UTF8.self)
                    if name == "." || name == ".." { return 0 }
                    let number = dirent.pointee.inode
                    let path = walk.prefix + "/" + name
                    if walk.wanted.remove(number) != nil { walk.names[number] = path }
                    // The file type in the entry saves reading every inode.
                    let fileType = dirent.pointee.name_len >> 8
                    if fileType == EXT2_FT_DIR || fileType == EXT2_FT_UNKNOWN { walk.subdirectories.append((number, path)) }
                    return walk.wanted.isEmpty ? DIRENT_ABORT : 0
                }, Unmanaged.passUnretained(walk).toOpaque())
        }
    }
}
