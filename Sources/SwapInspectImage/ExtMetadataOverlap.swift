internal import CExt2fs
import SwapInspectCore

extension ExtFilesystem {
    /// The blocks the ext4 driver's block-validity zone protects (`ext4_setup_system_zone`: each group's
    /// superblock and descriptor copies, bitmaps and inode table, and the journal inode's blocks), as a
    /// libext2fs bitmap. The caller frees it.
    func metadataBlocks() -> ext2fs_block_bitmap? {
        var map: ext2fs_block_bitmap?
        guard ext2fs_allocate_block_bitmap(fs, "metadata blocks", &map) == 0, let map else { return nil }
        let tableBlocks = UInt32(fs.pointee.inode_blocks_per_group)
        for group in 0..<fs.pointee.group_desc_count {
            _ = ext2fs_reserve_super_and_bgd(fs, group, map)
            for block in [ext2fs_block_bitmap_loc(fs, group), ext2fs_inode_bitmap_loc(fs, group)] where block != 0 && block < blocksCount {
                ext2fs_mark_block_bitmap_range2(map, block, 1)
            }
            let table = ext2fs_inode_table_loc(fs, group)
            if table != 0 && table + UInt64(tableBlocks) <= blocksCount { ext2fs_mark_block_bitmap_range2(map, table, tableBlocks) }
        }
        let journal = superblock.s_journal_inum
        if superblock.s_feature_compat & ExtFeatures.compatHasJournal != 0, journal != 0, let inode = try? inode(journal),
            let extents = try? extents(inode, path: "<journal>")
        {
            mark(extents, in: map)
        }
        return map
    }

    private func mark(_ extents: [FileExtent], in map: ext2fs_block_bitmap) {
        let size = UInt64(blockSize)
        for extent in extents where extent.physical / size + extent.length / size <= blocksCount {
            ext2fs_mark_block_bitmap_range2(map, extent.physical / size, UInt32(extent.length / size))
        }
    }

    /// The first swap file block the kernel's `check_block_validity` (ext4_inode_block_valid) would reject
    /// because it lies in metadata, in words; nil when no extent overlaps.
    func metadataOverlap(_ extents: [FileExtent]) -> String? {
        guard let map = metadataBlocks() else { return nil }
        defer { ext2fs_free_block_bitmap(map) }
        let size = UInt64(blockSize)
        for extent in extents where extent.length > 0 && !extent.flags.contains(.inline) {
            let start = extent.physical / size
            let count = extent.length / size
            guard start + count <= blocksCount, ext2fs_test_block_bitmap_range2(map, start, UInt32(count)) == 0 else { continue }
            var found: blk64_t = 0
            _ = ext2fs_find_first_set_block_bitmap2(map, start, start + count - 1, &found)
            return "block \(found) (file byte \(extent.logical + (found - start) * size)) lies in the file system's own metadata (superblock, group descriptors, bitmaps, inode table or journal)"
        }
        return nil
    }
}
