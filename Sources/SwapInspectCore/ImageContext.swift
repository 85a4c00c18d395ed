/// Where an area audited offline (`swapinspect image`) lives: the image, the partition, the byte
/// offset of that partition inside the image, and what libblkid/libext2fs say holds it.
public struct ImageLocation: Sendable, Equatable {
    public struct Filesystem: Sendable, Equatable {
        /// `ext2`, `ext3`, `ext4`, `swap`, `xfs`, … (libblkid's TYPE, or the superblock's features).
        public var type: String?
        public var uuid: String?
        public var label: String?

        public init(type: String?, uuid: String?, label: String?) {
            self.type = type
            self.uuid = uuid
            self.label = label
        }
    }

    /// The image as the user named it.
    public var path: String
    /// The partition number (libblkid's partno), nil for a file system image or a bare `--offset`.
    public var partition: Int?
    /// Byte offset of the file system or swap area inside the image.
    public var offset: UInt64
    public var filesystem: Filesystem

    public init(path: String, partition: Int?, offset: UInt64, filesystem: Filesystem) {
        self.path = path
        self.partition = partition
        self.offset = offset
        self.filesystem = filesystem
    }
}

/// ext2/ext3/ext4 superblock feature bits (fs/ext4/ext4.h), enough to name the format as libblkid does.
public enum ExtFeatures {
    public static let compatHasJournal: UInt32 = 0x0004
    public static let incompatFiletype: UInt32 = 0x0002
    public static let incompatRecover: UInt32 = 0x0004
    public static let incompatJournalDev: UInt32 = 0x0008
    public static let incompatMetaBG: UInt32 = 0x0010
    public static let roCompatSparseSuper: UInt32 = 0x0001
    public static let roCompatLargeFile: UInt32 = 0x0002
    public static let roCompatBtreeDir: UInt32 = 0x0004

    /// libblkid's rule (superblocks/ext.c): ext2 and ext3 are the formats without any feature the
    /// ext3 driver did not know; ext3 has a journal; anything else is ext4.
    public static func name(compat: UInt32, incompat: UInt32, roCompat: UInt32) -> String {
        let roKnown = roCompatSparseSuper | roCompatLargeFile | roCompatBtreeDir
        let incompatKnownExt3 = incompatFiletype | incompatRecover | incompatMetaBG
        let incompatKnownExt2 = incompatFiletype | incompatMetaBG
        let journal = compat & compatHasJournal != 0
        if roCompat & ~roKnown == 0 {
            if journal && incompat & ~incompatKnownExt3 == 0 { return "ext3" }
            if !journal && incompat & ~incompatKnownExt2 == 0 { return "ext2" }
        }
        return "ext4"
    }

    /// The file system as the kernel's ext4 driver serves it offline: ext2 and ext3 are mounted by
    /// the ext4 driver on current distributions (CONFIG_EXT4_USE_FOR_EXT2), so the swap path is iomap.
    public static func kind(compat: UInt32, incompat: UInt32, roCompat: UInt32) -> FilesystemKind {
        FilesystemKind(name: name(compat: compat, incompat: incompat, roCompat: roCompat), swapPath: .iomap)
    }
}

extension Report {
    /// A report for an area that was named (an fstab entry) but could not be found: swapon would
    /// fail before reading anything.
    public static func unresolved(
        path: String, finding: Finding, errno: String = "ENOENT", image: ImageLocation?, pageSize: Int
    ) -> Report {
        var activation = Activation(model: .blockDevice)
        activation.refusal = Refusal(errno: errno, kernelMessage: nil, finding: finding)
        return Report(
            facts: AreaFacts(path: path, kind: .blockDevice, size: 0, headerBytes: [], source: .blockDevice),
            pageSize: pageSize, signatures: [], header: nil, activation: activation, kernelLog: nil,
            userspaceResumeOffset: nil, findings: [finding], undetermined: nil, image: image)
    }

    /// A report for an area that exists but cannot be judged offline (an XFS partition, an LVM
    /// physical volume, …): the finding says what online `inspect` needs; the exit status is 2.
    public static func notAuditable(
        path: String, size: UInt64, finding: Finding, image: ImageLocation?, pageSize: Int
    ) -> Report {
        Report(
            facts: AreaFacts(path: path, kind: .blockDevice, size: size, headerBytes: [], source: .blockDevice),
            pageSize: pageSize, signatures: [], header: nil, activation: nil, kernelLog: nil,
            userspaceResumeOffset: nil, findings: [finding], undetermined: finding.message, image: image)
    }
}
