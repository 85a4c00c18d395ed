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
    /// The image's container format (`raw`, `qcow2`, `vmdk`, `vhdx`, `vhd`, `vdi`: `DiskImageFormat`).
    public var format: String
    /// How its disk was read: `direct` (pread on the image) or `qemu-storage-daemon` (its read-only FUSE export).
    public var access: String
    /// The file system was read through the kernel's own read-only mount (`--allow-kernel-mount`);
    /// nil when it was read offline.
    public var kernelMount: KernelMount? = nil

    /// A read-only kernel mount of the file system, made by `image --allow-kernel-mount` on a read-only
    /// loop device in swapinspect's private mount namespace.
    public struct KernelMount: Sendable, Equatable {
        /// The options as `mount -o` spells them (`ro,nodev,nosuid,noexec,rescue=nologreplay,subvol=@swap`).
        public var options: String
        /// The subvolume mounted (`subvol=` or `subvolid=` of the image's fstab), nil for the default one.
        public var subvolume: String?

        public init(options: String, subvolume: String?) {
            self.options = options
            self.subvolume = subvolume
        }
    }

    public init(
        path: String, partition: Int?, offset: UInt64, filesystem: Filesystem, format: String = "raw", access: String = "direct"
    ) {
        self.path = path
        self.partition = partition
        self.offset = offset
        self.filesystem = filesystem
        self.format = format
        self.access = access
    }
}
