/// A partition as libblkid's partition probers list it.
public struct ImagePartition: Sendable, Equatable {
    /// `blkid_partition_get_partno`: the number in the kernel's name (sda*2*).
    public var number: Int
    /// Byte offset and size inside the image.
    public var offset: UInt64
    public var size: UInt64
    /// GPT type GUID, or the MBR type as `0x83`.
    public var type: String?
    /// PARTUUID (GPT unique GUID, or `disk-id-NN` for MBR).
    public var uuid: String?
    /// PARTLABEL (GPT name).
    public var name: String?
    /// An MBR extended partition: a container, never a file system.
    public var isExtended: Bool

    /// EFI System, BIOS boot and other firmware partitions: by convention never hold swap.
    public var isFirmware: Bool {
        guard let type = type?.lowercased() else { return false }
        return [
            "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",  // EFI System
            "21686148-6449-6e6f-744e-656564454649",  // BIOS boot
            "0xef",
        ].contains(type)
    }
}

/// The partition table libblkid finds at the start of a whole-disk image.
public struct PartitionTable: Sendable, Equatable {
    /// `gpt`, `dos`, …
    public var type: String
    public var partitions: [ImagePartition]
}

/// What libblkid's superblock probers find at some offset of the image.
public struct ImageSignature: Sendable, Equatable {
    public var type: String?
    public var uuid: String?
    public var label: String?
    /// Several signatures compete and libblkid will not choose.
    public var ambivalent = false
    /// libblkid's VERSION: an md superblock's metadata version (`1.2`, `1.0`, `0.90.0`), LVM's `LVM2 001`.
    public var version: String?
}
