internal import CExt2fs
import SwapInspectCore

extension ExtFilesystem {
    /// Inodes between two progress reports of a scan.
    static let progressInterval: UInt64 = 4096

    /// Every in-use regular file whose first page could carry a signature, from the inode table
    /// (ext2fs_get_next_inode_full; lazily initialised groups are skipped by libext2fs).
    /// `progress` gets (inodes seen, inodes in the file system).
    func scanRegularFiles(minimumSize: UInt64, progress: ((UInt64, UInt64) -> Void)?) throws(AreaError) -> [Inode] {
        var scan: ext2_inode_scan?
        var code = ext2fs_open_inode_scan(fs, 0, &scan)
        guard code == 0, let scan else { throw AreaError(path: name, operation: "cannot scan the inode table", ext2: code) }
        defer { ext2fs_close_inode_scan(scan) }
        _ = ext2fs_inode_scan_flags(scan, Int32(EXT2_SF_SKIP_MISSING_ITABLE), 0)
        let total = UInt64(superblock.s_inodes_count)
        let firstInode = superblock.s_rev_level == 0 ? UInt32(EXT2_GOOD_OLD_FIRST_INO) : superblock.s_first_ino
        var found: [Inode] = []
        var seen: UInt64 = 0
        while true {
            var number: ext2_ino_t = 0
            var raw = ext2_inode()
            code = ext2fs_get_next_inode_full(scan, &number, &raw, Int32(MemoryLayout<ext2_inode>.size))
            if code == EXT2_ET_BAD_BLOCK_IN_INODE_TABLE { continue }
            guard code == 0 else { throw AreaError(path: name, operation: "cannot read the inode table", ext2: code) }
            if number == 0 { break }
            seen += 1
            if seen % Self.progressInterval == 0 { progress?(UInt64(number), total) }
            let inode = Inode(number: number, raw: raw)
            guard number >= firstInode, inode.inUse, inode.isRegular, inode.size >= minimumSize else { continue }
            found.append(inode)
        }
        progress?(total, total)
        return found
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
