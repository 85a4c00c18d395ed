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
        subcommands: [Inspect.self, Image.self, List.self, Probe.self, Activate.self, Deactivate.self, Create.self, Hibernate.self],
        defaultSubcommand: Inspect.self
    )

    public init() {}

    /// Start-up (README, Performance): `--version` (or `-V`, as util-linux spells it) alone is answered
    /// without parsing, and the command to run is parsed on its own (`StartupDispatch`); everything else
    /// is ArgumentParser's full parse.
    public static func main() {
        StandardOutput.checkAtExit()
        let arguments = StartupDispatch.normalized(Array(CommandLine.arguments.dropFirst()))
        if arguments == ["--version"] || arguments == ["-V"] {
            // What ArgumentParser does for it (the version line on stdout, exit 0).
            print(configuration.version)
            exit()
        }
        if let shell = StartupDispatch.completionScriptShell(arguments) {
            // ArgumentParser's script with the default subcommand added (CompletionScripts).
            do {
                print(try CompletionScripts.script(for: shell), terminator: "")
                exit()
            } catch {
                printError("\(error)")
                exit(withError: ExitCode.failure)
            }
        }
        if let unknown = StartupDispatch.unknownHelpTopic(arguments) {
            // ArgumentParser's help subcommand prints the root's help and exits 0 for a name it does not
            // know; a usage error is exit 64, with the usage line, as for any other unknown name.
            exit(withError: ValidationError(unknown))
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
        main(arguments)
    }
}
