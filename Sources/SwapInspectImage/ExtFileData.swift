internal import CExt2fs
import SwapInspectCore

extension ExtFilesystem {
    /// The first `count` bytes of a file through ext2fs_file_read: holes and unwritten extents read
    /// as zeros, inline data from the inode, like the kernel's page cache would show them. `path` names
    /// the file in errors (nil: a file found by inode number alone).
    func read(_ file: Inode, path: String?, count: Int, at offset: UInt64 = 0) throws(AreaError) -> [UInt8] {
        let failure = { (operation: String, code: errcode_t) in
            AreaError(path: self.name(of: path), operation: "\(operation) inode \(file.number)", ext2: code)
        }
        var handle: ext2_file_t?
        var raw = file.raw
        var code = ext2fs_file_open2(fs, file.number, &raw, 0, &handle)
        guard code == 0, let handle else { throw failure("cannot open", code) }
        defer { ext2fs_file_close(handle) }
        if offset > 0 {
            var position: UInt64 = 0
            code = ext2fs_file_llseek(handle, offset, Int32(EXT2_SEEK_SET), &position)
            guard code == 0 else { throw failure("cannot seek in", code) }
        }
        let wanted = Int(min(UInt64(count), file.size > offset ? file.size - offset : 0))
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        while done < wanted {
            var got: UInt32 = 0
            code = bytes.withUnsafeMutableBytes { buffer in
                ext2fs_file_read(handle, buffer.baseAddress! + done, UInt32(wanted - done), &got)
            }
            guard code == 0 else { throw failure("cannot read", code) }
            if got == 0 { break }
            done += Int(got)
        }
        return Array(bytes[0..<done])
    }

    /// The file's extents in bytes (physical relative to the file system's start), the way the
    /// ext4 driver's iomap would report them: extent trees with their unwritten flag, block maps
    /// merged into physically contiguous runs, inline data as one inline extent; holes absent.
    func extents(_ file: Inode, path: String) throws(AreaError) -> [FileExtent] {
        var extents: [FileExtent]
        if file.flags & UInt32(EXT4_INLINE_DATA_FL) != 0 {
            extents = [FileExtent(logical: 0, physical: 0, length: file.size, flags: .inline)]
        } else if file.flags & UInt32(EXT4_EXTENTS_FL) != 0 {
            extents = try extentTree(file, path: path)
        } else {
            extents = try blockMap(file, path: path)
        }
        if file.flags & UInt32(EXT4_ENCRYPT_FL) != 0 {
            for index in extents.indices { extents[index].flags.insert(.encrypted) }
        }
        return extents
    }

    /// The leaves of an extent tree (ext2fs_extent_get), checked as the kernel checks them when it loads the tree.
    func extentTree(_ file: Inode, path: String) throws(AreaError) -> [FileExtent] {
        let blockSize = UInt64(self.blockSize)
        var raw = file.raw
        var handle: ext2_extent_handle_t?
        var code = ext2fs_extent_open2(fs, file.number, &raw, &handle)
        guard code == 0, let handle else {
            throw AreaError(path: name(of: path), operation: "cannot open the extent tree of inode \(file.number)", ext2: code)
        }
        defer { ext2fs_extent_free(handle) }
        var extents: [FileExtent] = []
        // At most one extent per block: reserved once rather than grown by doubling (a million
        // extents would touch twice the memory).
        extents.reserveCapacity(Int(min(file.size / blockSize + 1, UInt64(FileExtent.maxReserved))))
        // Loop invariants, read once (`superblock` copies the whole 1 KiB superblock on each access).
        let bounds = (first: UInt64(superblock.s_first_data_block), end: blocksCount)
        let corrupt = "corrupt extent tree in inode \(file.number)"
        var extent = ext2fs_extent()
        var operation = Int32(EXT2_EXTENT_ROOT)
        while true {
            code = ext2fs_extent_get(handle, operation, &extent)
            operation = Int32(EXT2_EXTENT_NEXT)
            // An empty tree has no root entry to return.
            if code == EXT2_ET_EXTENT_NO_NEXT || (extents.isEmpty && code == EXT2_ET_NO_CURRENT_NODE) { break }
            guard code == 0 else { throw AreaError(path: name(of: path), operation: corrupt, ext2: code) }
            guard extent.e_flags & UInt32(EXT2_EXTENT_FLAGS_LEAF) != 0,
                extent.e_flags & UInt32(EXT2_EXTENT_FLAGS_SECOND_VISIT) == 0, extent.e_len > 0
            else { continue }
            if let reason = Self.invalidLeaf(extent, bounds: bounds, after: extents.last, blockSize: blockSize) {
                // ext4_valid_extent fails the same tree with EFSCORRUPTED.
                throw AreaError(path: name(of: path), operation: corrupt, errno: .structureNeedsCleaning, reason: reason)
            }
            let flags: ExtentFlags = extent.e_flags & UInt32(EXT2_EXTENT_FLAGS_UNINIT) != 0 ? .unwritten : []
            extents.append(
                FileExtent(
                    logical: UInt64(extent.e_lblk) * blockSize, physical: UInt64(extent.e_pblk) * blockSize,
                    length: UInt64(extent.e_len) * blockSize, flags: flags))
        }
        return extents
    }

    /// ext4_valid_extent / ext4_valid_extent_entries: the kernel refuses to load a tree with such a leaf
    /// (EFSCORRUPTED), so no swapon gets as far as mapping it. libext2fs does not check. nil: valid.
    /// `bounds`: the first data block and the block count of the file system.
    static func invalidLeaf(
        _ extent: ext2fs_extent, bounds: (first: UInt64, end: UInt64), after previous: FileExtent?, blockSize: UInt64
    ) -> String? {
        let firstBlock = UInt64(extent.e_pblk)
        let blocks = UInt64(extent.e_len)
        if firstBlock < bounds.first || firstBlock + blocks > bounds.end {
            return "logical block \(extent.e_lblk) maps to blocks \(firstBlock)..\(firstBlock + blocks - 1), outside the file system (\(bounds.end) blocks)"
        }
        if let previous, UInt64(extent.e_lblk) * blockSize < previous.logicalEnd {
            return "extents overlap or are out of order at logical block \(extent.e_lblk)"
        }
        return nil
    }

    /// The data blocks of a block-mapped (ext2/3) file (ext2fs_block_iterate3), merged into physically
    /// contiguous runs.
    func blockMap(_ file: Inode, path: String) throws(AreaError) -> [FileExtent] {
        final class Collector {
            var runs: [FileExtent] = []
            let blockSize: UInt64
            init(blockSize: UInt64) { self.blockSize = blockSize }
        }
        let collector = Collector(blockSize: UInt64(blockSize))
        let code = withExtendedLifetime(collector) {
            ext2fs_block_iterate3(
                fs, file.number, Int32(BLOCK_FLAG_DATA_ONLY | BLOCK_FLAG_READ_ONLY), nil,
                { _, block, logical, _, _, context in
                    guard let block, let context, logical >= 0 else { return 0 }
                    let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                    let size = collector.blockSize
                    let logicalByte = UInt64(logical) * size
                    let physicalByte = UInt64(block.pointee) * size
                    if let last = collector.runs.last, last.logicalEnd == logicalByte, last.physical + last.length == physicalByte {
                        collector.runs[collector.runs.count - 1].length += size
                    } else {
                        collector.runs.append(FileExtent(logical: logicalByte, physical: physicalByte, length: size))
                    }
                    return 0
                }, Unmanaged.passUnretained(collector).toOpaque())
        }
        guard code == 0 else {
            throw AreaError(path: name(of: path), operation: "cannot map the blocks of inode \(file.number)", ext2: code)
        }
        return collector.runs
    }
}
