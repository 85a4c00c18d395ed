internal import CExt2fs
import Glibc
import SwapInspectCore

/// An ext2/3/4 file system inside an image, opened read-only through libext2fs (never EXT2_FLAG_RW).
/// Everything it reads is metadata (superblock, group descriptors, inodes, extent trees, indirect
/// blocks, directories) plus the first bytes of files: work grows with metadata, not with the image.
final class ExtFilesystem {
    private var fs: ext2_filsys
    /// The image path and the partition offset, for messages.
    let where_: String

    private init(fs: ext2_filsys, where_: String) {
        self.fs = fs
        self.where_ = where_
    }

    deinit {
        var handle: ext2_filsys? = fs
        _ = ext2fs_close_free(&handle)
    }

    /// Opens the file system that starts `offset` bytes into `image`. `size` is the bytes the image
    /// (or partition) provides, to name a truncated image before libext2fs runs into a short read.
    static func open(image: String, offset: UInt64, size: UInt64, where_: String) -> Result<ExtFilesystem, ImageError> {
        var handle: ext2_filsys?
        // Always pass io_options: with NULL, ext2fs_open2 would treat a '?' in the image name as their start.
        let flags = Int32(EXT2_FLAG_64BITS)
        let code = ext2fs_open2(image, "offset=\(offset)", flags, 0, 0, si_unix_io_manager(), &handle)
        guard code == 0, let handle else {
            return .failure(ImageError("\(where_): not a readable ext2/3/4 file system: \(ext2Message(code))"))
        }
        let filesystem = ExtFilesystem(fs: handle, where_: where_)
        let needed = filesystem.blocksCount * UInt64(filesystem.blockSize)
        if needed > size {
            return .failure(
                ImageError(
                    "\(where_): truncated image: the \(filesystem.type) file system needs \(needed) bytes but only \(size) are there"))
        }
        return .success(filesystem)
    }

    var blockSize: Int { Int(fs.pointee.blocksize) }
    var blocksCount: UInt64 { UInt64(ext2fs_blocks_count(fs.pointee.`super`)) }

    private var superblock: ext2_super_block { fs.pointee.`super`.pointee }

    var type: FilesystemType {
        let sb = superblock
        return ExtFeatures.type(compat: sb.s_feature_compat, incompat: sb.s_feature_incompat, roCompat: sb.s_feature_ro_compat)
    }

    var kind: FilesystemKind {
        let sb = superblock
        return ExtFeatures.kind(compat: sb.s_feature_compat, incompat: sb.s_feature_incompat, roCompat: sb.s_feature_ro_compat)
    }

    var uuid: String {
        var sb = superblock
        let bytes = withUnsafeBytes(of: &sb.s_uuid) { Array($0) }
        return formatUUID(bytes)
    }

    var label: String? {
        var sb = superblock
        let bytes = withUnsafeBytes(of: &sb.s_volume_name) { Array($0) }
        let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        return text.isEmpty ? nil : text
    }

    /// The journal holds transactions not yet replayed: a mount would change metadata first.
    var needsRecovery: Bool { superblock.s_feature_incompat & ExtFeatures.incompatRecover != 0 }

    // MARK: inodes

    struct Inode {
        var number: UInt32
        var raw: ext2_inode

        var mode: UInt32 { UInt32(raw.i_mode) }
        var isRegular: Bool { mode & 0o170000 == 0o100000 }
        var isDirectory: Bool { mode & 0o170000 == 0o040000 }
        var isSymlink: Bool { mode & 0o170000 == 0o120000 }
        var size: UInt64 { UInt64(raw.i_size) | UInt64(raw.i_size_high) << 32 }
        var uid: UInt32 { UInt32(raw.i_uid) | UInt32(raw.osd2.linux2.l_i_uid_high) << 16 }
        var gid: UInt32 { UInt32(raw.i_gid) | UInt32(raw.osd2.linux2.l_i_gid_high) << 16 }
        var flags: UInt32 { raw.i_flags }
        var inUse: Bool { raw.i_links_count > 0 && raw.i_dtime == 0 }

        /// `what` for messages: "a directory", "a symbolic link", …
        var typeDescription: String {
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
    }

    func inode(_ number: UInt32) -> Result<Inode, ImageError> {
        var raw = ext2_inode()
        let code = ext2fs_read_inode(fs, number, &raw)
        guard code == 0 else { return .failure(ImageError("\(where_): cannot read inode \(number): \(ext2Message(code))")) }
        return .success(Inode(number: number, raw: raw))
    }

    // MARK: paths

    struct ResolvedPath {
        /// The path with every symbolic link inside the image replaced by its target (what the
        /// kernel's d_path prints after util-linux swapon canonicalises the name).
        var canonical: String
        var inode: Inode
        /// `link → target` for each symbolic link followed.
        var links: [String]
    }

    /// Resolves an absolute path inside the image, component by component from the image's root
    /// (EXT2_ROOT_INO), following symbolic links the way the kernel's namei does (at most 40),
    /// absolute targets relative to the image's root — never the host's.
    func resolve(_ path: String) -> Result<ResolvedPath, ImageError> {
        let maxLinks = 40
        var pending = path.split(separator: "/").map(String.init)
        var stack: [(name: String, inode: Inode)] = []
        var links: [String] = []
        func joined(_ parts: [String]) -> String { "/" + parts.joined(separator: "/") }
        guard path.hasPrefix("/") else { return .failure(ImageError("\(where_): \(path): not an absolute path inside the image")) }
        let root: Inode
        switch inode(UInt32(EXT2_ROOT_INO)) {
        case .success(let value): root = value
        case .failure(let error): return .failure(error)
        }
        // Each directory's inode is read once, when its name is looked up, and kept on the stack.
        func current() -> Inode { stack.last?.inode ?? root }
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." || name.isEmpty { continue }
            if name == ".." {
                if !stack.isEmpty { stack.removeLast() }
                continue
            }
            let so_far = joined(stack.map(\.name) + [name])
            let parent = current()
            guard parent.isDirectory else {
                return .failure(ImageError("\(where_): \(path): \(joined(stack.map(\.name))) is \(parent.typeDescription), not a directory (inside the image)"))
            }
            var number: ext2_ino_t = 0
            let code = name.withCString { ext2fs_lookup(fs, parent.number, $0, Int32(strlen($0)), nil, &number) }
            if code == EXT2_ET_FILE_NOT_FOUND {
                let detail = so_far == path ? "" : " (\(so_far) does not exist)"
                return .failure(ImageError("\(where_): \(path): no such file inside the image\(detail)"))
            }
            guard code == 0 else {
                return .failure(ImageError("\(where_): \(path): cannot look up \(so_far): \(ext2Message(code))"))
            }
            let found: Inode
            switch inode(number) {
            case .success(let value): found = value
            case .failure(let error): return .failure(error)
            }
            if found.isSymlink {
                guard links.count < maxLinks else {
                    return .failure(ImageError("\(where_): \(path): too many levels of symbolic links inside the image"))
                }
                let target: String
                switch readLink(found) {
                case .success(let value): target = value
                case .failure(let error): return .failure(error)
                }
                links.append("\(so_far) → \(target)")
                let targetParts = target.split(separator: "/").map(String.init)
                if target.hasPrefix("/") { stack.removeAll() }
                pending = targetParts + pending
                continue
            }
            stack.append((name, found))
        }
        return .success(ResolvedPath(canonical: joined(stack.map(\.name)), inode: current(), links: links))
    }

    /// A symbolic link's target: in i_block for a fast link (ext2fs_is_fast_symlink), else the
    /// link's data (a block, or inline data).
    func readLink(_ link: Inode) -> Result<String, ImageError> {
        var raw = link.raw
        let size = Int(min(link.size, 4096))
        if ext2fs_is_fast_symlink(&raw) != 0 {
            let bytes = withUnsafeBytes(of: &raw.i_block) { Array($0.prefix(size)) }
            return .success(String(decoding: bytes, as: UTF8.self))
        }
        switch read(link, count: size) {
        case .success(let bytes): return .success(String(decoding: bytes, as: UTF8.self))
        case .failure(let error): return .failure(error)
        }
    }

    // MARK: data

    /// The first `count` bytes of a file through ext2fs_file_read: holes and unwritten extents read
    /// as zeros, inline data from the inode, like the kernel's page cache would show them.
    func read(_ file: Inode, count: Int, at offset: UInt64 = 0) -> Result<[UInt8], ImageError> {
        var handle: ext2_file_t?
        var raw = file.raw
        var code = ext2fs_file_open2(fs, file.number, &raw, 0, &handle)
        guard code == 0, let handle else {
            return .failure(ImageError("\(where_): cannot open inode \(file.number): \(ext2Message(code))"))
        }
        defer { ext2fs_file_close(handle) }
        if offset > 0 {
            var position: UInt64 = 0
            code = ext2fs_file_llseek(handle, offset, Int32(EXT2_SEEK_SET), &position)
            guard code == 0 else {
                return .failure(ImageError("\(where_): cannot seek in inode \(file.number): \(ext2Message(code))"))
            }
        }
        let wanted = Int(min(UInt64(count), file.size > offset ? file.size - offset : 0))
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        while done < wanted {
            var got: UInt32 = 0
            code = bytes.withUnsafeMutableBytes { buffer in
                ext2fs_file_read(handle, buffer.baseAddress! + done, UInt32(wanted - done), &got)
            }
            guard code == 0 else {
                return .failure(ImageError("\(where_): cannot read inode \(file.number): \(ext2Message(code))"))
            }
            if got == 0 { break }
            done += Int(got)
        }
        return .success(Array(bytes[0..<done]))
    }

    /// The file's extents in bytes (physical relative to the file system's start), the way the
    /// ext4 driver's iomap would report them: extent trees with their unwritten flag, block maps
    /// merged into physically contiguous runs, inline data as one inline extent; holes absent.
    func extents(_ file: Inode) -> Result<[FileExtent], ImageError> {
        let blockSize = UInt64(self.blockSize)
        var extents: [FileExtent] = []
        if file.flags & UInt32(EXT4_INLINE_DATA_FL) != 0 {
            extents = [FileExtent(logical: 0, physical: 0, length: file.size, flags: .inline)]
        } else if file.flags & UInt32(EXT4_EXTENTS_FL) != 0 {
            var raw = file.raw
            var handle: ext2_extent_handle_t?
            var code = ext2fs_extent_open2(fs, file.number, &raw, &handle)
            guard code == 0, let handle else {
                return .failure(ImageError("\(where_): cannot open the extent tree of inode \(file.number): \(ext2Message(code))"))
            }
            defer { ext2fs_extent_free(handle) }
            // At most one extent per block: reserved once rather than grown by doubling (a million
            // extents would touch twice the memory).
            extents.reserveCapacity(Int(min(file.size / blockSize + 1, 1 << 22)))
            // Loop invariants, read once (`superblock` copies the whole 1 KiB superblock on each access).
            let firstDataBlock = UInt64(superblock.s_first_data_block)
            let blocksCount = self.blocksCount
            var extent = ext2fs_extent()
            var operation = Int32(EXT2_EXTENT_ROOT)
            while true {
                code = ext2fs_extent_get(handle, operation, &extent)
                operation = Int32(EXT2_EXTENT_NEXT)
                // An empty tree has no root entry to return.
                if code == EXT2_ET_EXTENT_NO_NEXT || (extents.isEmpty && code == EXT2_ET_NO_CURRENT_NODE) { break }
                guard code == 0 else {
                    return .failure(ImageError("\(where_): corrupt extent tree in inode \(file.number): \(ext2Message(code))"))
                }
                guard extent.e_flags & UInt32(EXT2_EXTENT_FLAGS_LEAF) != 0,
                    extent.e_flags & UInt32(EXT2_EXTENT_FLAGS_SECOND_VISIT) == 0, extent.e_len > 0
                else { continue }
                // ext4_valid_extent / ext4_valid_extent_entries: the kernel refuses to load such a tree
                // (EFSCORRUPTED), so no swapon gets as far as mapping it. libext2fs does not check.
                let firstBlock = UInt64(extent.e_pblk)
                let blocks = UInt64(extent.e_len)
                if firstBlock < firstDataBlock || firstBlock + blocks > blocksCount {
                    return .failure(
                        ImageError(
                            "\(where_): corrupt extent tree in inode \(file.number): logical block \(extent.e_lblk) maps to blocks \(firstBlock)..\(firstBlock + blocks - 1), outside the file system (\(blocksCount) blocks)"))
                }
                if let previous = extents.last, UInt64(extent.e_lblk) * blockSize < previous.logicalEnd {
                    return .failure(
                        ImageError(
                            "\(where_): corrupt extent tree in inode \(file.number): extents overlap or are out of order at logical block \(extent.e_lblk)"))
                }
                let flags: ExtentFlags = extent.e_flags & UInt32(EXT2_EXTENT_FLAGS_UNINIT) != 0 ? .unwritten : []
                extents.append(
                    FileExtent(
                        logical: UInt64(extent.e_lblk) * blockSize, physical: UInt64(extent.e_pblk) * blockSize,
                        length: UInt64(extent.e_len) * blockSize, flags: flags))
            }
        } else {
            final class Collector {
                var runs: [FileExtent] = []
                let blockSize: UInt64
                init(blockSize: UInt64) { self.blockSize = blockSize }
            }
            let collector = Collector(blockSize: blockSize)
            let code = withExtendedLifetime(collector) {
                ext2fs_block_iterate3(
                    fs, file.number, Int32(BLOCK_FLAG_DATA_ONLY | BLOCK_FLAG_READ_ONLY), nil,
                    { _, block, logical, _, _, context in
                        guard let block, let context, logical >= 0 else { return 0 }
                        let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                        let size = collector.blockSize
                        let logicalByte = UInt64(logical) * size
                        let physicalByte = UInt64(block.pointee) * size
                        if let last = collector.runs.last, last.logicalEnd == logicalByte,
                            last.physical + last.length == physicalByte
                        {
                            collector.runs[collector.runs.count - 1].length += size
                        } else {
                            collector.runs.append(FileExtent(logical: logicalByte, physical: physicalByte, length: size))
                        }
                        return 0
                    }, Unmanaged.passUnretained(collector).toOpaque())
            }
            guard code == 0 else {
                return .failure(ImageError("\(where_): cannot map the blocks of inode \(file.number): \(ext2Message(code))"))
            }
            extents = collector.runs
        }
        if file.flags & UInt32(EXT4_ENCRYPT_FL) != 0 {
            for index in extents.indices { extents[index].flags.insert(.encrypted) }
        }
        return .success(extents)
    }

    /// i_blocks in bytes (ext2fs_get_stat_i_blocks: 512-byte units, huge_file aware), as st_blocks × 512.
    func allocatedBytes(_ file: Inode) -> UInt64 {
        var raw = file.raw
        return UInt64(ext2fs_get_stat_i_blocks(fs, &raw)) * 512
    }

    // MARK: scan

    /// Every in-use regular file whose first page could carry a signature, from the inode table
    /// (ext2fs_get_next_inode_full; lazily initialised groups are skipped by libext2fs).
    /// `progress` gets (inodes seen, inodes in the file system).
    func scanRegularFiles(minimumSize: UInt64, progress: ((UInt64, UInt64) -> Void)?) -> Result<[Inode], ImageError> {
        var scan: ext2_inode_scan?
        var code = ext2fs_open_inode_scan(fs, 0, &scan)
        guard code == 0, let scan else {
            return .failure(ImageError("\(where_): cannot scan the inode table: \(ext2Message(code))"))
        }
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
            guard code == 0 else {
                return .failure(ImageError("\(where_): cannot read the inode table: \(ext2Message(code))"))
            }
            if number == 0 { break }
            seen += 1
            if seen % 4096 == 0 { progress?(UInt64(number), total) }
            let inode = Inode(number: number, raw: raw)
            guard number >= firstInode, inode.inUse, inode.isRegular, inode.size >= minimumSize else { continue }
            found.append(inode)
        }
        progress?(total, total)
        return .success(found)
    }

    /// Paths of the given inodes, from a walk of the directory tree from the root
    /// (ext2fs_dir_iterate2); stops as soon as every inode is named. Hard links: the first name found.
    func paths(for wanted: Set<UInt32>) -> [UInt32: String] {
        final class Walk {
            var wanted: Set<UInt32>
            var names: [UInt32: String] = [:]
            var subdirectories: [(UInt32, String)] = []
            var prefix = ""
            init(wanted: Set<UInt32>) { self.wanted = wanted }
        }
        let walk = Walk(wanted: wanted)
        var queue: [(UInt32, String)] = [(UInt32(EXT2_ROOT_INO), "")]
        var visited: Set<UInt32> = [UInt32(EXT2_ROOT_INO)]
        // Breadth first; an index instead of removeFirst, which would shift the whole queue each time.
        var next = 0
        while next < queue.count && !walk.wanted.isEmpty {
            let (directory, prefix) = queue[next]
            next += 1
            walk.prefix = prefix
            walk.subdirectories = []
            _ = withExtendedLifetime(walk) {
                ext2fs_dir_iterate2(
                    fs, directory, 0, nil,
                    { _, entry, dirent, _, _, _, context in
                        guard let dirent, let context, entry == DIRENT_OTHER_FILE else { return 0 }
                        let walk = Unmanaged<Walk>.fromOpaque(context).takeUnretainedValue()
                        let length = Int(dirent.pointee.name_len & 0xFF)
                        let raw = UnsafeRawPointer(dirent) + MemoryLayout<ext2_dir_entry>.offset(of: \.name)!
                        let name = String(decoding: UnsafeRawBufferPointer(start: raw, count: length), as: UTF8.self)
                        if name == "." || name == ".." { return 0 }
                        let number = dirent.pointee.inode
                        let path = walk.prefix + "/" + name
                        if walk.wanted.remove(number) != nil { walk.names[number] = path }
                        // The file type in the entry (filetype feature) saves reading every inode.
                        let fileType = dirent.pointee.name_len >> 8
                        if fileType == EXT2_FT_DIR || fileType == EXT2_FT_UNKNOWN { walk.subdirectories.append((number, path)) }
                        return walk.wanted.isEmpty ? DIRENT_ABORT : 0
                    }, Unmanaged.passUnretained(walk).toOpaque())
            }
            for (number, path) in walk.subdirectories where !visited.contains(number) {
                if case .success(let inode) = inode(number), inode.isDirectory {
                    visited.insert(number)
                    queue.append((number, path))
                }
            }
        }
        return walk.names
    }
}

/// com_err's text for a libext2fs (or errno) code.
func ext2Message(_ code: errcode_t) -> String {
    if code > 0 && code < 4096 { return errnoText(Int32(code)) }
    guard let text = si_ext2fs_error_message(code) else { return "error \(code)" }
    return String(cString: text)
}
