internal import CExt2fs
import Glibc
import SwapInspectCore

/// An ext2/3/4 file system inside an image, opened read-only through libext2fs (never EXT2_FLAG_RW).
/// Everything it reads is metadata (superblock, group descriptors, inodes, extent trees, indirect
/// blocks, directories) plus the first bytes of files: work grows with metadata, not with the image.
final class ExtFilesystem {
    var fs: ext2_filsys
    /// The image area it lives in, as messages name it (`disk.img`, `disk.img:2`, `/dev/sda2`).
    let name: String
    /// libext2fs opened it only by ignoring a bad superblock checksum (the kernel would not mount it).
    var superblockChecksumBad = false
    /// What the kernel and e2fsck would say about it, worked out once, for the first swap file audited.
    var verdict: ExtVerdict?
    /// Its `e2fsck -fn`, started when the audit of the file system began (it runs while swapinspect
    /// reads), collected by the verdict.
    var fsck: FsckRun.Started?

    private init(fs: ext2_filsys, name: String) {
        self.fs = fs
        self.name = name
    }

    deinit {
        var handle: ext2_filsys? = fs
        _ = ext2fs_close_free(&handle)
    }

    /// Opens the file system that starts `offset` bytes into `image`. `size` is the bytes the image
    /// (or partition) provides, to name a truncated image before libext2fs runs into a short read.
    static func open(image: String, offset: UInt64, size: UInt64, name: String) throws(AreaError) -> ExtFilesystem {
        var handle: ext2_filsys?
        // Always pass io_options: with NULL, ext2fs_open2 would treat a '?' in the image name as their start.
        let flags = Int32(EXT2_FLAG_64BITS)
        var code = ext2fs_open2(image, "offset=\(offset)", flags, 0, 0, si_unix_io_manager(), &handle)
        // A bad superblock checksum or an unknown feature stops the kernel's mount, not the audit: the
        // file system is opened anyway, so that its swap files are reported as refused for that reason.
        let retry: Int32 =
            switch code {
            case errcode_t(EXT2_ET_SB_CSUM_INVALID): Int32(EXT2_FLAG_IGNORE_CSUM_ERRORS)
            case errcode_t(EXT2_ET_UNSUPP_FEATURE): Int32(EXT2_FLAG_FORCE)
            default: 0
            }
        if retry != 0 {
            code = ext2fs_open2(image, "offset=\(offset)", flags | retry, 0, 0, si_unix_io_manager(), &handle)
        }
        guard code == 0, let handle else {
            throw AreaError(path: name, operation: "not a readable ext2/3/4 file system", ext2: code)
        }
        // Every later read checks its checksums again.
        handle.pointee.flags &= ~Int32(EXT2_FLAG_IGNORE_CSUM_ERRORS)
        let filesystem = ExtFilesystem(fs: handle, name: name)
        filesystem.superblockChecksumBad = retry == Int32(EXT2_FLAG_IGNORE_CSUM_ERRORS)
        let needed = filesystem.blocksCount * UInt64(filesystem.blockSize)
        if needed > size {
            throw AreaError(
                path: name, operation: "truncated image",
                reason: "the \(filesystem.type) file system needs \(needed) bytes but only \(size) are there")
        }
        return filesystem
    }

    /// What messages call a file inside this file system: `IMAGE:PATH`, or the file system itself for nil.
    func name(of path: String?) -> String {
        path.map { AreaError.path($0, inside: name) } ?? name
    }

    var blockSize: Int { Int(fs.pointee.blocksize) }
    var blocksCount: UInt64 { UInt64(ext2fs_blocks_count(fs.pointee.`super`)) }

    var superblock: ext2_super_block { fs.pointee.`super`.pointee }

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

    /// The unit of i_blocks as ext2fs_get_stat_i_blocks counts it (and of st_blocks).
    static let iBlocksUnit: UInt64 = 512

    /// i_blocks in bytes (ext2fs_get_stat_i_blocks: 512-byte units, huge_file aware), as st_blocks × 512.
    func allocatedBytes(_ file: Inode) -> UInt64 {
        var raw = file.raw
        return UInt64(ext2fs_get_stat_i_blocks(fs, &raw)) * Self.iBlocksUnit
    }

    /// Inode `number`; errors name `path`, the file it is looked up for (nil: the file system).
    func inode(_ number: UInt32, of path: String? = nil) throws(AreaError) -> Inode {
        var raw = ext2_inode()
        let code = ext2fs_read_inode(fs, number, &raw)
        guard code == 0 else { throw AreaError(path: name(of: path), operation: "cannot read inode \(number)", ext2: code) }
        return Inode(number: number, raw: raw)
    }
}
