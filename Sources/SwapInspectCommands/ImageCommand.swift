import ArgumentParser
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectLinux

/// `swapinspect image`: the swap areas of an unmounted image, read-only, through libblkid and libext2fs.
struct Image: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Audit the swap files and swap partitions of an unmounted image or block device, offline.",
        discussion: """
            IMAGE is a file system image, a whole-disk image or a block device; it is only ever opened \
            read-only. libblkid lists its partitions and their signatures; every ext2/3/4 file system is \
            read with libext2fs: the swap entries of its /etc/fstab (UUID=, LABEL=, PARTUUID= and \
            PARTLABEL= resolved against the image), else /swapfile, /swap.img and /swap/swapfile; every swap \
            partition is validated as a block device. \
            A file system the kernel would not mount read-write (checksums, features, journal, root inode) \
            refuses its swap files; e2fsck -fn is run read-only on each one that holds a swap file. The \
            same model as 'inspect' (the ext4 driver's iomap) predicts swapon(2); physical pages and resume_offset are relative to the partition, as the \
            kernel sees them.
            """
    )

    @OptionGroup var output: OutputOptions

    @Option(
        name: .customLong("path"),
        help: ArgumentHelp(
            "A swap file inside the image (repeatable; default: the swap entries of the image's /etc/fstab, else /swapfile, /swap.img, /swap/swapfile).",
            valueName: "path"))
    var paths: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp("Only this partition of a whole-disk image (its number, as in sda2).", valueName: "n"))
    var partition: Int?

    @Option(
        name: .long,
        help: ArgumentHelp("Only the file system or swap area starting this many bytes into the image.", valueName: "bytes"))
    var offset: UInt64?

    @Flag(
        name: .long,
        help: "Also walk the inode table for every regular file whose first page carries a swap or hibernation signature.")
    var scan = false

    @Flag(
        name: .customLong("no-fsck"),
        help: "Do not run 'e2fsck -fn' (read-only, at most 60 s) on the ext file systems that hold a swap file.")
    var noFsck = false

    @Flag(
        name: .long,
        help: "Also read the files a qcow2, VMDK or VHD/VHDX image names (backing files, external data files, extents, parents); refused without it.")
    var allowBackingFile = false

    @Flag(
        name: .long,
        help: "Read btrfs through the kernel's own read-only mount instead of dump-tree (root: a read-only loop device, -o ro,rescue=nologreplay, in a private mount namespace that goes with swapinspect).")
    var allowKernelMount = false

    @OptionGroup var page: PageSizeOption

    @Argument(
        help: ArgumentHelp("A file system image, a whole-disk image or a block device.", valueName: "image"),
        completion: .file())
    var image: String

    func validate() throws {
        if partition != nil && offset != nil {
            throw ValidationError("--partition and --offset cannot be combined")
        }
        if let partition, partition < 1 {
            throw ValidationError("--partition must be a partition number, 1 or more (got \(partition))")
        }
        for path in paths where !path.hasPrefix("/") {
            throw ValidationError("--path must be an absolute path inside the image (got \(path))")
        }
    }

    func run() throws {
        var options = ImageAuditOptions(
            pageSize: page.effective, paths: paths, partition: partition, offset: offset, scan: scan, fsck: !noFsck)
        options.allowBackingFile = allowBackingFile
        options.allowKernelMount = allowKernelMount
        // Before anything is opened: the same process continues in a private mount namespace.
        if allowKernelMount { KernelMountNamespace.enter(arguments: CommandLine.arguments) }
        let progress = ScanProgress(enabled: isatty(2) == 1)
        let audit = ImageAuditor.audit(image: image, options: options, progress: progress.report)
        progress.finish()
        for remark in audit.remarks { printError(remark) }
        for error in audit.errors { printError(error.description) }
        for report in audit.reports {
            if let reason = report.undetermined { printError("\(report.facts.path): cannot predict: \(reason)") }
        }
        // Each error names what failed: the image, a partition of it, or a file inside it (IMAGE:PATH).
        let errors = audit.errors.map { (path: $0.path, message: $0.description) }
        try CommandOutput.reports(audit.reports, errors: errors).write(OutputFormat(output), to: output.outputFile)
        let status = ExitPolicy.status(reports: audit.reports, errorCount: audit.errors.count, strict: output.strict)
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}
