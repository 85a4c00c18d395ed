/// How much a finding matters. Errors mean the kernel would refuse the area, or it is unsafe.
public enum Severity: String, Sendable, Comparable {
    case info, warning, error

    var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// The stable finding codes (man page FINDINGS, docs/swapinspect.schema.json). Add, never rename.
public enum FindingCode: String, Sendable, CaseIterable {
    // errors
    case noSignature = "no-signature"
    case unsupportedVersion = "unsupported-version"
    case hibernationSignature = "hibernation-signature"
    case pagesizeMismatch = "pagesize-mismatch"
    case emptySwap = "empty-swap"
    case tooSmall = "too-small"
    case tooManyBadPages = "too-many-bad-pages"
    case badPageOutOfRange = "bad-page-out-of-range"
    case holes = "holes"
    case sharedExtents = "shared-extents"
    case inlineData = "inline-data"
    case notCommitted = "not-committed"
    case encodedExtents = "encoded-extents"
    case copyOnWrite = "copy-on-write"
    case compressed = "compressed"
    case multipleDevices = "multiple-devices"
    case notRegularFile = "not-regular-file"
    case noUsablePages = "no-usable-pages"
    case unsupportedFilesystem = "unsupported-filesystem"
    /// An immutable or append-only inode: swapon's open for writing fails with EPERM.
    case immutable = "immutable"
    /// A read-only mount or file system: EROFS.
    case readOnlyMount = "read-only-mount"
    /// A block device mounted, held or claimed exclusively: EBUSY.
    case deviceBusy = "device-busy"
    // errors of `hibernate` (the hibernation chain)
    /// /sys/power/state offers no `disk`: a kernel without CONFIG_HIBERNATION.
    case hibernationUnavailable = "hibernation-unavailable"
    /// Kernel lockdown (Secure Boot) forbids hibernation.
    case hibernationLockedDown = "hibernation-locked-down"
    /// `nohibernate` / `hibernate=no` on the command line.
    case hibernationDisabled = "hibernation-disabled"
    /// `noresume` on the command line.
    case noresume = "noresume"
    /// No active swap area at all.
    case noHibernationArea = "no-hibernation-area"
    /// The area to hibernate into is not active.
    case areaInactive = "area-inactive"
    /// The area is zram (RAM).
    case zramArea = "zram-area"
    /// Active(anon) above 98% of the area's free space (systemd's estimate).
    case notEnoughSwap = "not-enough-swap"
    /// No resume= (and no EFI variable to stand in for it).
    case resumeNotConfigured = "resume-not-configured"
    /// resume= names another device, or none of this machine.
    case resumeDeviceMismatch = "resume-device-mismatch"
    /// resume_offset= is not the kernel's match value (a stale offset).
    case resumeOffsetMismatch = "resume-offset-mismatch"
    /// resume_offset= without resume=.
    case resumeOffsetWithoutDevice = "resume-offset-without-device"
    /// A /etc/default/grub.d file overrides the resume parameters of /etc/default/grub.
    case grubOverride = "grub-override"
    /// The initramfs will not carry the resume hook.
    case initramfsNoResume = "initramfs-no-resume"
    /// systemd's resume_offset (FIEMAP floor) is not the kernel's: systemctl hibernate refuses.
    case systemdOffsetDiffers = "systemd-offset-differs"
    /// The file system would not mount read-write (a bad superblock or group-descriptor checksum, an
    /// unknown feature, an unloadable journal, a corrupt root inode), or the swap file's own inode or
    /// extent tree fails the kernel's checks: swapon never gets to the file.
    case filesystemErrors = "filesystem-errors"
    /// `image --scan`: an inode with a swap signature that no directory entry names: swapon has no path to open.
    case unnamedInode = "unnamed-inode"
    /// `image`: an /etc/fstab swap entry whose UUID=, LABEL=, PARTUUID= or PARTLABEL= matches nothing in the image.
    case specNotFound = "spec-not-found"
    // warnings
    case insecurePermissions = "insecure-permissions"
    case insecureOwner = "insecure-owner"
    case misalignedPages = "misaligned-pages"
    case lastPageBeyondFile = "last-page-beyond-file"
    case fileBeyondLastPage = "file-beyond-last-page"
    case truncatedByKernelLimit = "truncated-by-kernel-limit"
    case oldKernelIncompatible = "old-kernel-incompatible"
    /// `probe`: libblkid (and so blkid, lsblk, udev, swapon -a by UUID) sees the area otherwise than the kernel.
    case blkidDisagrees = "blkid-disagrees"
    /// A HibernateLocation EFI variable that points elsewhere than the area.
    case efiLocationStale = "efi-location-stale"
    /// `image`: e2fsck -fn finds errors that do not stop the kernel from mounting the file system read-write.
    case filesystemDamaged = "filesystem-damaged"
    /// `image`: the file system's journal (ext4 needs_recovery) or log (XFS) holds changes the next mount
    /// replays before anything else: the metadata read offline may not be what swapon will see.
    case needsRecovery = "needs-recovery"
    // info
    case unwrittenExtents = "unwritten-extents"
    case fragmented = "fragmented"
    case byteSwapped = "byte-swapped"
    case inUse = "in-use"

    /// The severity the contract gives this code.
    public var severity: Severity {
        switch self {
        case .noSignature, .unsupportedVersion, .hibernationSignature, .pagesizeMismatch, .emptySwap,
            .tooSmall, .tooManyBadPages, .badPageOutOfRange, .holes, .sharedExtents, .inlineData,
            .notCommitted, .encodedExtents, .copyOnWrite, .compressed, .multipleDevices, .notRegularFile,
            .noUsablePages, .unsupportedFilesystem, .immutable, .readOnlyMount, .deviceBusy, .filesystemErrors,
            .unnamedInode, .specNotFound,
            .hibernationUnavailable, .hibernationLockedDown, .hibernationDisabled, .noresume, .noHibernationArea,
            .areaInactive, .zramArea, .notEnoughSwap, .resumeNotConfigured, .resumeDeviceMismatch, .resumeOffsetMismatch,
            .resumeOffsetWithoutDevice, .grubOverride, .initramfsNoResume, .systemdOffsetDiffers:
            .error
        case .insecurePermissions, .insecureOwner, .misalignedPages, .lastPageBeyondFile, .fileBeyondLastPage,
            .truncatedByKernelLimit, .oldKernelIncompatible, .blkidDisagrees, .filesystemDamaged, .efiLocationStale,
            .needsRecovery:
            .warning
        case .unwrittenExtents, .fragmented, .byteSwapped, .inUse:
            .info
        }
    }
}

/// One observation about a swap area: a stable code, a message for people (in the kernel's words
/// where the kernel has some) and, where there is one, the command that fixes it.
public struct Finding: Sendable, Equatable {
    public var code: FindingCode
    public var severity: Severity
    public var message: String
    /// One shell command line that, run as printed by root, removes this finding and adds no other;
    /// nil where no command does (`FixPlanner`).
    public var fix: String?
    /// Other commands that also remove it, each on its own (`swapinspect --page-size 65536 PATH`).
    public var alternatives: [String] = []

    public init(_ code: FindingCode, _ message: String, fix: String? = nil) {
        self.code = code
        self.severity = code.severity
        self.message = message
        self.fix = fix
    }

    /// A finding whose remedy is no single command: what to do is said in the message (`FixPlanner`
    /// gives the findings that have a command their fix).
    public init(_ code: FindingCode, _ message: String, advice: String) {
        self.init(code, "\(message); \(advice)")
    }
}

/// Why `swapon(2)` fails: the errno, the kernel log line if it prints one, and the finding that explains it.
public struct Refusal: Sendable, Equatable {
    public var errno: ErrnoName
    /// What the kernel logs, verbatim (nil where it fails silently).
    public var kernelMessage: String?
    public var finding: Finding

    public init(errno: ErrnoName = .invalidArgument, kernelMessage: String?, finding: Finding) {
        self.errno = errno
        self.kernelMessage = kernelMessage
        self.finding = finding
    }
}
