import ArgumentParser
import SwapInspectCore
import SwapInspectLinux
import SystemPackage

/// `swapinspect create`: a swap file that is proven to activate before it gets its name, and its fstab entry.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a swap file that the kernel will activate, and optionally its fstab entry.",
        discussion: """
            Refuses, before anything is created, where the kernel cannot swap (tmpfs, overlayfs, read-only or \
            immutable directories, btrfs with a non-single data profile, several devices or snapshots). The file \
            is made under a temporary name beside PATH with mode 0600 and owner root:0 from the start, allocated \
            the way its activation path needs (fallocate; NOCOW first on btrfs; zeroes on bmap file systems), \
            given a header for the page size, synced and inspected: only if it would activate with every page \
            is it renamed to PATH. Every failure, and SIGINT, SIGTERM or SIGHUP, removes the temporary file; \
            the exit status after a signal is 128 + its number. Prints the report 'inspect' prints for the new file.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The size: bytes, or with K/M/G/T (KiB…) or KB/MB/GB (1000s), e.g. 512M, 4G, 1500MB.", valueName: "size"))
    var size: String

    @OptionGroup var page: PageSizeOption

    @Option(name: .long, help: ArgumentHelp("The label of the header (at most 15 bytes, as mkswap keeps).", valueName: "label"))
    var label: String?

    @Option(name: .long, help: ArgumentHelp("The UUID of the header (default: a new random one, or the old one with --force).", valueName: "uuid"))
    var uuid: String?

    @Flag(name: .long, help: "An existing area of this size that would activate is success, with no change.")
    var ifMissing = false

    @Flag(name: .long, help: "Recreate an existing file (never an active area), keeping its UUID and label unless new ones are given.")
    var force = false

    @Option(name: .long, help: ArgumentHelp("Add or update the area's entry in this fstab file (--fstab alone: /etc/fstab).", valueName: "file"))
    var fstab: String?

    @OptionGroup var swapFlags: SwapFlagOptions

    @Flag(name: .long, help: "Decide and print what would be done; create nothing.")
    var dryRun = false

    @Flag(name: [.customShort("J"), .long], help: "Print one JSON document on stdout (schema version 1).")
    var json = false

    @Argument(help: ArgumentHelp("The swap file to create.", valueName: "path"), completion: .file())
    var path: String

    func validate() throws {
        if let label, label.utf8.count > SwapHeaderWriter.maximumLabelBytes {
            throw ValidationError("--label must be at most \(SwapHeaderWriter.maximumLabelBytes) bytes, as mkswap keeps (got \(label.utf8.count))")
        }
        if let uuid, SwapUUID.parse(uuid) == nil {
            throw ValidationError("--uuid must be a UUID such as 5a7c5c1e-8c44-4bb0-9f5a-3e1c3f7b2d10 (got \(uuid))")
        }
        if let fstab, fstab.isEmpty { throw ValidationError("--fstab=FILE needs a file name") }
        _ = try requestedSize()
    }

    func requestedSize() throws -> CreateSize {
        let bytes: UInt64
        do {
            bytes = try SizeArgument.parse(size)
        } catch {
            throw ValidationError("--size: not a size: \(size) (bytes, or a number with K, M, G, T, KiB…, KB, MB…)")
        }
        guard let created = CreateSize(requestedBytes: bytes, pageSize: page.effective) else {
            throw ValidationError(
                "--size: \(size) is not between \(SwapHeaderWriter.minimumPages) pages (\(SwapHeaderWriter.minimumPages * UInt64(page.effective)) bytes) and 2^32 pages of \(page.effective) bytes")
        }
        return created
    }

    var flags: SwapFlags { swapFlags.flags }

    func run() throws {
        var run = CreateRun(command: self, size: try requestedSize())
        do {
            try run.perform()
        } catch let failure as CreateRun.Failure {
            run.record.message = failure.message
            if let errno = failure.errno { run.record.errno = errno }
            emitAction(run.record, reports: run.reports, errors: run.errors, json: json, quietReport: run.reports.isEmpty, failed: true)
            throw ExitCode(failure.status)
        }
    }
}
