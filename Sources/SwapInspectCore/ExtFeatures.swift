/// ext2/ext3/ext4 superblock feature bits (fs/ext4/ext4.h), enough to name the format as libblkid does.
public enum ExtFeatures {
    public static let compatHasJournal: UInt32 = 0x0004
    public static let incompatFiletype: UInt32 = 0x0002
    public static let incompatRecover: UInt32 = 0x0004
    public static let incompatMetaBG: UInt32 = 0x0010
    public static let roCompatSparseSuper: UInt32 = 0x0001
    public static let roCompatLargeFile: UInt32 = 0x0002
    public static let roCompatBtreeDir: UInt32 = 0x0004

    /// libblkid's rule (superblocks/ext.c): ext2 and ext3 are the formats without any feature the
    /// ext3 driver did not know; ext3 has a journal; anything else is ext4.
    public static func type(compat: UInt32, incompat: UInt32, roCompat: UInt32) -> FilesystemType {
        let roKnown = roCompatSparseSuper | roCompatLargeFile | roCompatBtreeDir
        let incompatKnownExt3 = incompatFiletype | incompatRecover | incompatMetaBG
        let incompatKnownExt2 = incompatFiletype | incompatMetaBG
        let journal = compat & compatHasJournal != 0
        if roCompat & ~roKnown == 0 {
            if journal && incompat & ~incompatKnownExt3 == 0 { return .ext3 }
            if !journal && incompat & ~incompatKnownExt2 == 0 { return .ext2 }
        }
        return .ext4
    }

    /// The file system as the kernel's ext4 driver serves it offline: ext2 and ext3 are mounted by
    /// the ext4 driver on current distributions (CONFIG_EXT4_USE_FOR_EXT2), so the swap path is iomap.
    public static func kind(compat: UInt32, incompat: UInt32, roCompat: UInt32) -> FilesystemKind {
        FilesystemKind(type: type(compat: compat, incompat: incompat, roCompat: roCompat), swapSupport: .activates(.iomap))
    }
}
