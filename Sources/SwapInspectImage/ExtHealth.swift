internal import CExt2fs
import SwapInspectCore

/// What the kernel's ext4 driver would say about the file system before swapon(2) gets to a file in
/// it: the checks of `__ext4_fill_super` (superblock checksum, feature flags, `ext4_check_descriptors`,
/// the journal's load, the root inode), read through libext2fs without writing.
struct ExtMountCheck {
    /// One reason the kernel would not mount the file system read-write.
    struct Problem {
        var errno: ErrnoName
        /// It mounts, but read-only (an unknown ro_compat feature, the `readonly` feature).
        var readOnly = false
        var message: String
    }

    var problems: [Problem] = []
    /// The file system is marked as having errors (EXT2_ERROR_FS): the kernel mounts it and warns.
    var markedWithErrors = false
    /// The image could not be read where the check looked (EIO): no verdict, an audit error.
    var unreadable: AreaError?
}

/// The kernel's feature sets (fs/ext4/ext4.h `EXT4_FEATURE_INCOMPAT_SUPP`, `EXT4_FEATURE_RO_COMPAT_SUPP`):
/// an incompat bit outside the first refuses the mount (`ext4_feature_set_ok`), a ro_compat bit outside
/// the second allows only a read-only one.
enum KernelExtFeatures {
    /// FILETYPE RECOVER META_BG EXTENTS 64BIT MMP FLEX_BG EA_INODE CSUM_SEED LARGEDIR INLINE_DATA ENCRYPT CASEFOLD.
    static let incompat: UInt32 = 0x0002 | 0x0004 | 0x0010 | 0x0040 | 0x0080 | 0x0100 | 0x0200 | 0x0400 | 0x2000 | 0x4000
        | 0x8000 | 0x1_0000 | 0x2_0000
    /// SPARSE_SUPER LARGE_FILE BTREE_DIR HUGE_FILE GDT_CSUM DIR_NLINK EXTRA_ISIZE QUOTA BIGALLOC METADATA_CSUM
    /// PROJECT VERITY ORPHAN_PRESENT (not READONLY 0x1000: the kernel mounts such a file system read-only).
    static let roCompat: UInt32 = 0x0001 | 0x0002 | 0x0004 | 0x0008 | 0x0010 | 0x0020 | 0x0040 | 0x0100 | 0x0200 | 0x0400
        | 0x2000 | 0x8000 | 0x1_0000
}

extension ExtFilesystem {
    /// Every reason found why the ext4 driver would not mount this file system read-write.
    func mountCheck() -> ExtMountCheck {
        var check = ExtMountCheck()
        let sb = superblock
        if superblockChecksumBad {
            check.problems.append(
                .init(
                    errno: .badMessage,
                    message: "the superblock checksum does not match (libext2fs: \(Self.message(EXT2_ET_SB_CSUM_INVALID))): the kernel refuses the mount (ext4_superblock_csum_verify, EFSBADCRC)"))
        }
        if sb.s_feature_incompat & ~KernelExtFeatures.incompat != 0 {
            let bits = String(sb.s_feature_incompat & ~KernelExtFeatures.incompat, radix: 16)
            check.problems.append(
                .init(
                    errno: .invalidArgument,
                    message: "the superblock has incompat feature bits 0x\(bits) that the kernel does not know: it refuses the mount (ext4_feature_set_ok: couldn't mount because of unsupported optional features)"))
        }
        if sb.s_feature_ro_compat & ~KernelExtFeatures.roCompat != 0 {
            let bits = String(sb.s_feature_ro_compat & ~KernelExtFeatures.roCompat, radix: 16)
            check.problems.append(
                .init(
                    errno: .readOnlyFileSystem, readOnly: true,
                    message: "the superblock has ro_compat feature bits 0x\(bits) that the kernel does not support read-write: it mounts the file system only read-only (ext4_feature_set_ok)"))
        }
        check.problems += descriptorProblems()
        do {
            if let problem = try journalProblem() { check.problems.append(problem) }
        } catch {
            check.unreadable = error
        }
        if let problem = rootProblem() { check.problems.append(problem) }
        check.markedWithErrors = sb.s_state & UInt16(EXT2_ERROR_FS) != 0
        return check
    }

    /// `ext4_check_descriptors`: each group's bitmaps and inode table inside the file system, and its
    /// descriptor's checksum; either failure is "group descriptors corrupted!" (EFSCORRUPTED).
    func descriptorProblems() -> [ExtMountCheck.Problem] {
        var problems: [ExtMountCheck.Problem] = []
        let code = ext2fs_check_desc(fs)
        if code != 0 {
            problems.append(
                .init(
                    errno: .structureNeedsCleaning,
                    message: "the group descriptors are corrupt (libext2fs: \(Self.message(code))): the kernel refuses the mount (ext4_check_descriptors, EFSCORRUPTED)"))
        }
        guard ext2fs_has_group_desc_csum(fs) != 0 else { return problems }
        var bad: [UInt32] = []
        for group in 0..<fs.pointee.group_desc_count where ext2fs_group_desc_csum_verify(fs, group) == 0 {
            bad.append(group)
        }
        if let first = bad.first {
            let count = bad.count == 1 ? "group \(first)" : "\(bad.count) groups (the first: \(first))"
            problems.append(
                .init(
                    errno: .structureNeedsCleaning,
                    message: "the group descriptor checksum of \(count) does not match (ext2fs_group_desc_csum_verify): the kernel refuses the mount (ext4_check_descriptors: checksum for group failed, EFSCORRUPTED)"))
        }
        return problems
    }

    /// `ext4_fill_super`'s root inode: readable with a valid checksum, a directory with blocks and a size.
    func rootProblem() -> ExtMountCheck.Problem? {
        var raw = ext2_inode()
        let code = ext2fs_read_inode(fs, ext2_ino_t(EXT2_ROOT_INO), &raw)
        guard code == 0 else {
            return .init(
                errno: Self.kernelErrno(code),
                message: "the root inode cannot be read (libext2fs: \(Self.message(code))): the kernel refuses the mount (get root inode failed)")
        }
        let root = Inode(number: UInt32(EXT2_ROOT_INO), raw: raw)
        if !root.isDirectory || root.raw.i_blocks == 0 || root.size == 0 {
            return .init(
                errno: .structureNeedsCleaning,
                message: "the root inode is \(root.isDirectory ? "an empty directory" : root.typeDescription): the kernel refuses the mount (corrupt root inode, EFSCORRUPTED)")
        }
        return nil
    }

    /// What the kernel returns where libext2fs fails with `code`.
    static func kernelErrno(_ code: errcode_t) -> ErrnoName {
        AreaError.kernelErrno(code) ?? .structureNeedsCleaning
    }

    /// libext2fs's com_err text for a code.
    static func message(_ code: errcode_t) -> String {
        si_ext2fs_error_message(code).map { String(cString: $0) } ?? "error \(code)"
    }
}
