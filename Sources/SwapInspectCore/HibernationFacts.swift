/// Everything an adapter learns about a system's hibernation set-up (live, or under `--root DIR`):
/// the kernel's files, the active swap areas with what `inspect` found about each, and the files
/// that decide the next boot. `HibernationCheck.check` decides from these alone.
public struct HibernationFacts: Sendable {
    /// The directory the system's files were read under (`/` for this machine): fixes name paths under it.
    public var root: String = "/"
    /// /sys/power/state (`disk` is there when hibernation is available: `hibernation_available()`).
    public var powerState: String?
    /// /sys/kernel/security/lockdown (`none [integrity] confidentiality`).
    public var lockdown: String?
    /// /proc/cmdline.
    public var cmdline: String?
    /// `Active(anon)` of /proc/meminfo, KiB (systemd's estimate of the image).
    public var activeAnonKiB: UInt64?
    /// /sys/power/image_size, bytes (the size the kernel tries to shrink the image to).
    public var imageSize: UInt64?
    /// /sys/power/resume (`MAJ:MIN`, `0:0` when unset) and /sys/power/resume_offset; nil when absent.
    public var sysResume: DeviceNumber?
    public var sysResumeOffset: UInt64?
    /// /sys/firmware/efi exists (systemd's `is_efi_boot`).
    public var efiBoot = false
    /// The HibernateLocation EFI variable (systemd's vendor GUID), as efivarfs shows it: 4 bytes of
    /// attributes, then the UTF-16LE JSON text.
    public var efiHibernateLocation: [UInt8]?
    /// The areas of /proc/swaps in its order.
    public var swaps: [HibernationArea] = []
    /// PATH when one was given: the area to hibernate into (it may be inactive).
    public var requested: HibernationArea?
    public var boot = BootFiles()

    public init() {}
}

/// One swap area as hibernation sees it.
public struct HibernationArea: Sendable, Equatable {
    /// The path as /proc/swaps (or PATH) names it on the system.
    public var path: String
    /// Its /proc/swaps line; nil when it is not active.
    public var entry: ProcSwapsEntry?
    public var kind: AreaKind?
    /// The device the kernel matches `resume=` against (`si->bdev`): the partition holding a swap
    /// file (for btrfs the device of its first extent), or the swap device itself.
    public var device: DeviceNumber?
    public var devicePath: String?
    /// The device's UUID as libblkid reads it (the file system's for a swap file, the swap header's
    /// for a partition): the form the fix writes, `resume=UUID=…`.
    public var deviceUUID: String?
    /// The kernel's match value (`swap_type_of`: the first swap extent, rounded up to a page).
    public var offsetKernel: UInt64?
    /// systemd's (`swap_entry_get_resume_config`: FIEMAP extent 0 floored to a page; btrfs: the
    /// first file extent item's physical address, as `btrfs inspect-internal map-swapfile -r`).
    public var offsetSystemd: UInt64?
    /// The filefrag recipe's (`filefrag -v`: extent 0's physical block in file-system blocks; on btrfs
    /// a logical address).
    public var offsetFilefrag: UInt64?
    /// Why the area could not be inspected (its offsets are then unknown).
    public var problem: String?
    /// Why swapon(2)'s open would refuse the area now (a read-only or immutable file, a busy device):
    /// its offsets are still known (resume reads the image before anything is mounted), but it cannot
    /// be activated to hibernate into as it is.
    public var openRefusal: String?

    public init(path: String, entry: ProcSwapsEntry? = nil) {
        self.path = path
        self.entry = entry
    }

    /// /dev/zram* (systemd skips them: RAM cannot hold a hibernation image).
    public var isZram: Bool {
        let name = path.hasPrefix("/dev/") ? path.dropFirst(5) : ""
        return name.hasPrefix("zram")
    }

    public var isFile: Bool { kind == .file || (kind == nil && entry?.type == "file") }
}

/// The HibernateLocation EFI variable systemd-sleep writes before hibernating (`{"uuid": …,
/// "offset": …, "kernelVersion": …}`), decoded.
public struct EFIHibernateLocation: Sendable, Equatable {
    public var uuid: String?
    public var offset: UInt64?
    public var kernelVersion: String?
    public var text: String

    /// systemd's vendor GUID (`EFI_VENDOR_SYSTEMD`): efivarfs names the file `NAME-GUID`.
    public static let fileName = "HibernateLocation-8cf2644b-4b0b-428f-9387-6d876050dc67"

    /// efivarfs content: a 4-byte attribute word, then the data (UTF-16LE, NUL-terminated).
    public init?(efivarfs bytes: [UInt8]) {
        guard bytes.count >= 6 else { return nil }
        var units: [UInt16] = []
        var index = 4
        while index + 1 < bytes.count {
            let unit = UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
            if unit == 0 { break }
            units.append(unit)
            index += 2
        }
        text = String(decoding: units, as: UTF16.self)
        uuid = Self.stringField("uuid", in: text)
        offset = Self.numberField("offset", in: text)
        kernelVersion = Self.stringField("kernelVersion", in: text)
    }

    /// The text after `"key":` (systemd formats the object compactly, without spaces).
    static func field(_ key: String, in text: String) -> Substring? {
        let marker = "\"\(key)\":"
        var rest = Substring(text)
        while let first = rest.first {
            if rest.hasPrefix(marker) { return rest.dropFirst(marker.count).drop(while: { $0 == " " }) }
            rest = rest.dropFirst()
            _ = first
        }
        return nil
    }

    static func stringField(_ key: String, in text: String) -> String? {
        guard let value = field(key, in: text), value.hasPrefix("\"") else { return nil }
        return String(value.dropFirst().prefix(while: { $0 != "\"" }))
    }

    static func numberField(_ key: String, in text: String) -> UInt64? {
        guard let value = field(key, in: text) else { return nil }
        return UInt64(value.prefix(while: { $0.isNumber }))
    }
}
