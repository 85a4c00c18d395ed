internal import CExt2fs
import SwapInspectCore

/// The fields of the jbd2 journal superblock (include/linux/jbd2.h `journal_superblock_t`, big-endian)
/// that `jbd2_journal_load` checks before the ext4 driver can mount the file system.
enum JournalSuperblock {
    static let size = 1024
    static let magic: UInt32 = 0xC03B_3998
    /// JBD2_SUPERBLOCK_V1, JBD2_SUPERBLOCK_V2.
    static let blockTypes: Set<UInt32> = [3, 4]
    static let blocktypeOffset = 4, blocksizeOffset = 12, maxlenOffset = 16, firstOffset = 20
    static let incompatOffset = 0x28, roCompatOffset = 0x2C, checksumTypeOffset = 0x50, checksumOffset = 0xFC
    /// JBD2_FEATURE_INCOMPAT_ REVOKE 64BIT ASYNC_COMMIT CSUM_V2 CSUM_V3 FAST_COMMIT.
    static let knownIncompat: UInt32 = 0x3F
    static let csumV2: UInt32 = 0x8, csumV3: UInt32 = 0x10
    /// JBD2_CRC32C_CHKSUM.
    static let crc32c: UInt8 = 4

    static func be32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// What `load_superblock`/`journal_check_superblock` refuse, nil when they accept it.
    /// `blockSize` is the file system's, `journalBlocks` the journal inode's size in blocks.
    static func problem(_ bytes: [UInt8], blockSize: Int, journalBlocks: UInt64) -> (ErrnoName, String)? {
        guard bytes.count >= size else { return (.invalidArgument, "the journal is shorter than its superblock") }
        guard be32(bytes, 0) == magic else { return (.invalidArgument, "the journal superblock has no jbd2 magic number") }
        let type = be32(bytes, blocktypeOffset)
        guard blockTypes.contains(type) else { return (.invalidArgument, "the journal superblock has an unknown block type \(type)") }
        let blocksize = be32(bytes, blocksizeOffset)
        guard blocksize == UInt32(blockSize) else {
            return (.invalidArgument, "the journal's block size \(blocksize) is not the file system's \(blockSize)")
        }
        let maxlen = UInt64(be32(bytes, maxlenOffset))
        let first = UInt64(be32(bytes, firstOffset))
        guard maxlen <= journalBlocks, first > 0, first < maxlen else {
            return (.invalidArgument, "the journal superblock's length \(maxlen) or first block \(first) does not fit the journal (\(journalBlocks) blocks)")
        }
        let incompat = be32(bytes, incompatOffset)
        if incompat & ~knownIncompat != 0 || be32(bytes, roCompatOffset) != 0 {
            return (.invalidArgument, "the journal has features jbd2 does not know (unrecognised features on journal)")
        }
        guard incompat & (csumV2 | csumV3) != 0 else { return nil }
        guard incompat & csumV2 == 0 || incompat & csumV3 == 0, bytes[checksumTypeOffset] == crc32c else {
            return (.invalidArgument, "the journal superblock's checksum settings are invalid")
        }
        var zeroed = Array(bytes.prefix(size))
        zeroed.replaceSubrange(checksumOffset..<(checksumOffset + 4), with: [0, 0, 0, 0])
        let computed = ext2fs_crc32c_le(~0, zeroed, zeroed.count)
        guard computed == be32(bytes, checksumOffset) else {
            return (.badMessage, "the journal superblock's checksum does not match (jbd2_superblock_csum_verify, EFSBADCRC)")
        }
        return nil
    }
}

extension ExtFilesystem {
    /// The internal journal as `ext4_get_journal_inode` and `jbd2_journal_load` read it; nil when it
    /// loads (or there is none, or it is on an external device this image does not hold).
    func journalProblem() throws(AreaError) -> ExtMountCheck.Problem? {
        let sb = superblock
        guard sb.s_feature_compat & ExtFeatures.compatHasJournal != 0, sb.s_journal_inum != 0 else { return nil }
        let refused = "the kernel refuses the mount (could not load journal)"
        let journal: Inode
        do {
            journal = try inode(sb.s_journal_inum)
        } catch {
            // An image that cannot be read (EIO from its container) says nothing of the file system.
            if error.isReadFailure { throw journalUnreadable(error) }
            return .init(errno: .badMessage, message: "the journal inode \(sb.s_journal_inum) cannot be read (\(error.reason)): \(refused)")
        }
        guard journal.raw.i_links_count > 0, journal.isRegular else {
            return .init(errno: .structureNeedsCleaning, message: "the journal inode \(sb.s_journal_inum) is deleted or not a regular file: \(refused)")
        }
        let bytes: [UInt8]
        do {
            bytes = try read(journal, path: nil, count: JournalSuperblock.size)
        } catch {
            if error.isReadFailure { throw journalUnreadable(error) }
            return .init(errno: .structureNeedsCleaning, message: "the journal superblock cannot be read (\(error.reason)): \(refused)")
        }
        let blocks = journal.size / UInt64(blockSize)
        guard let (errno, why) = JournalSuperblock.problem(bytes, blockSize: blockSize, journalBlocks: blocks) else { return nil }
        return .init(errno: errno, message: "\(why): \(refused)")
    }

    func journalUnreadable(_ error: AreaError) -> AreaError {
        AreaError(path: name, operation: "cannot read the journal (inode \(superblock.s_journal_inum))", errno: error.errno, reason: error.reason)
    }
}
