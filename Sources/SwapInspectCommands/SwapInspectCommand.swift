import ArgumentParser
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectLinux

/// `swapinspect`: predicts what the kernel will do with a swap area, and why.
public struct SwapInspectCommand: ParsableCommand {
    public static let version = "0.1.0"

    // Every subcommand names itself (commandName): ArgumentParser's default derives the name from the
    // type's with String(describing:), a dynamic cast and Mirror run per command on every start.
    public static let configuration = CommandConfiguration(
        commandName: "swapinspect",
        abstract: "Predict what the Linux kernel will do with a swap file or swap device, and why.",
        discussion: """
            Reads the swap header, maps the file's physical extents and simulates the kernel's swapon(2) \
            activation without activating anything. Exit status: 0 would activate, 1 would be refused (or \
            a warning under --strict), 2 could not inspect, 64 usage error.
            """,
        version: "swapinspect \(version) (libext2fs \(ImageLibraries.ext2fsVersion), libblkid \(ImageLibraries.blkidVersion))",
        subcommands: [Inspect.self, Image.self, List.self, Probe.self, Activate.self, Deactivate.self, Create.self],
        defaultSubcommand: Inspect.self
    )

    public init() {}

    /// `--discard` takes an optional value (`--discard`, `--discard=once`): a bare one means all.
    /// `--fstab` too (`--fstab`, `--fstab=FILE`): a bare one means /etc/fstab.
    ///
    /// Start-up (README, Performance): `--version` alone is answered without parsing, and the command
    /// to run is parsed on its own (`StartupDispatch`); everything else is ArgumentParser's full parse.
    public static func main() {
        let arguments = CommandLine.arguments.dropFirst().map { $0 == "--discard" ? "--discard=all" : $0 == "--fstab" ? "--fstab=/etc/fstab" : $0 }
        if arguments == ["--version"] {
            // What ArgumentParser does for it (the version line on stdout, exit 0).
            print(configuration.version)
            exit()
        }
        if var command = StartupDispatch.command(for: arguments) {
            // As ArgumentParser's main(_:) runs a parsed command: errors exit through the root.
            do {
                try command.run()
            } catch {
                exit(withError: error)
            }
            return
        }
        main(Array(arguments))
    }
}
