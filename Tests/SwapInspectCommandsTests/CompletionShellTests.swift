import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

/// The committed completion scripts driven in the real shells (`CompletionDriver`). Each case checks the
/// candidates; the values offered for options are also run through the parser (offer only what parses).
/// `deactivate <TAB>` (the active areas) is a kernel test: it activates an area.
@Suite("completions in bash, zsh and fish", .serialized)
struct CompletionShellTests {
    typealias Shell = CompletionDriver.Shell

    let scratch: TemporaryDirectory
    let driver: CompletionDriver

    init() throws {
        scratch = try TemporaryDirectory(prefix: "swapinspect-complete")
        driver = try CompletionDriver()
        try Fixture.swapFile(scratch.path + "/myswap")
        try Fixture.writeFile(scratch.path + "/mything", size: 8192)
        try FileManager.default.createDirectory(atPath: scratch.path + "/mydir", withIntermediateDirectories: false)
    }

    func candidates(_ shell: Shell, _ line: String) throws -> Set<String> {
        try driver.candidates(shell, line, in: scratch.path)
    }

    static let subcommands: Set<String> = ["inspect", "image", "list", "probe", "activate", "deactivate", "help"]

    @Test(arguments: Shell.allCases)
    func candidatesComeFromTheCommands(_ shell: Shell) throws {
        defer { scratch.remove(); driver.remove() }
        guard CompletionDriver.available(shell) else {
            try #require(ProcessInfo.processInfo.environment["CI"] != "true", "\(shell) is not installed (Makefile DEBIAN_PACKAGES)")
            print("skipping \(shell) completion tests: \(shell) is not installed")
            return
        }
        // The default subcommand: paths, after the command and after an option of inspect.
        let first = try candidates(shell, "swapinspect my")
        #expect(first.isSuperset(of: ["myswap", "mything"]) && !first.isDisjoint(with: ["mydir", "mydir/"]), "\(shell): \(first)")
        let afterJSON = try candidates(shell, "swapinspect --json ")
        #expect(afterJSON.isSuperset(of: ["myswap", "mything"]), "\(shell): \(afterJSON)")
        #expect(afterJSON.isDisjoint(with: Self.subcommands), "\(shell): --json <TAB> offers subcommands: \(afterJSON)")
        let bare = try candidates(shell, "swapinspect ")
        #expect(bare.isSuperset(of: Self.subcommands.union(["myswap"])), "\(shell): \(bare)")
        #expect(try candidates(shell, "swapinspect --js").contains("--json"), "\(shell)")
        #expect(try candidates(shell, "swapinspect /nonexistent-dir-\(getpid())/x ").isDisjoint(with: Self.subcommands))

        // Values, each of which the parser takes in the form completed.
        let discard = try candidates(shell, "swapinspect activate --discard ")
        #expect(discard == Set(["all", "once", "pages"]), "\(shell): \(discard)")
        for value in discard { try expectParses(["activate", "--discard", value, "--dry-run", "/nonexistent"]) }
        let attached = try candidates(shell, "swapinspect activate --discard=")
        #expect(attached.map { $0.replacingOccurrences(of: "--discard=", with: "") }.sorted() == ["all", "once", "pages"], "\(shell): \(attached)")
        for value in attached { try expectParses(["activate", value.hasPrefix("--") ? value : "--discard=" + value, "--dry-run", "/nonexistent"]) }
        let pageSizes = try candidates(shell, "swapinspect --page-size ")
        #expect(pageSizes == Set(SwapHeaderLayout.candidatePageSizes.map { "\($0)" }) && pageSizes.isSuperset(of: ["4096", "8192", "16384", "65536"]), "\(shell): \(pageSizes)")
        for value in pageSizes { try expectParses(["probe", "--page-size", value, "/nonexistent"]) }
        #expect(try candidates(shell, "swapinspect inspect --model ") == ["auto", "generic", "iomap", "btrfs"], "\(shell)")
        #expect(try candidates(shell, "swapinspect list --mapper ") == ["auto", "fiemap", "fibmap"], "\(shell)")
        #expect(try candidates(shell, "swapinspect list --format ") == ["text", "json", "prometheus"], "\(shell)")
        let columns = try candidates(shell, "swapinspect list --output NAME,S")
        #expect(columns == ["NAME,SIZE", "NAME,SPAN"], "\(shell): \(columns)")
        try expectParses(["list", "--output", "NAME,SPAN", "--help"])

        // activate: directories to go on, and the files with a swap signature only.
        let activate = try candidates(shell, "swapinspect activate my")
        #expect(activate.contains("myswap") && !activate.contains("mything") && activate.contains("mydir/"), "\(shell): \(activate)")
    }

    /// A value the completions offer is one the parser takes (not exit 64).
    func expectParses(_ arguments: [String]) throws {
        let run = try Runner.swapinspect(arguments)
        #expect(run.status != 64, "\(arguments): \(run)")
    }
}
