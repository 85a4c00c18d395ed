import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

/// The committed completion scripts driven in the real shells: bash through its completion function
/// (bash-completion loaded, COMP_WORDS/COMP_CWORD set, COMPREPLY read), zsh through compinit in a zpty
/// with compadd captured, fish through `complete -C`. Each case checks the candidates; the values
/// offered for options are also run through the parser (offer only what parses).
@Suite("completions in bash, zsh and fish", .serialized)
struct CompletionShellTests {
    enum Shell: String, CaseIterable, Sendable { case bash, zsh, fish }

    static let bashCompletion = "/usr/share/bash-completion/bash_completion"

    static func available(_ shell: Shell) -> Bool {
        switch shell {
        case .bash: Runner.tool("bash") != nil && access(bashCompletion, R_OK) == 0
        case .zsh: Runner.tool("zsh") != nil
        case .fish: Runner.tool("fish") != nil
        }
    }

    /// Bash: the words as bash splits them (`--opt=v` is `--opt`, `=`, `v`), the last being completed.
    static let bashDriver = """
        script=$1; shift
        source \(bashCompletion)
        source "$script"
        COMP_WORDS=("$@")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        _swapinspect swapinspect "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\\n' "${COMPREPLY[@]}"
        """

    /// Zsh: an interactive zsh in a zpty, compinit with the script's directory first in fpath, compadd
    /// wrapped to print what it adds, the line typed with a TAB; the candidates come back marked.
    static let zshDriver = """
        zmodload zsh/zpty
        zpty z zsh -f -i
        zpty -w z "PROMPT='' RPROMPT=''; fpath=(${(q)1} \\$fpath); autoload -U compinit; compinit -u -D"
        zpty -w z 'bindkey "^I" complete-word; zstyle ":completion:*" list-grouped false; zstyle ":completion:*" insert-tab false'
        zpty -w z 'compprefuncs=(); comppostfuncs=(__done); __done() { print -r -- "$((6*7))END"; exit }'
        zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; local r=$?; local w; for w in $hits; do print -r -- "$((6*7))HIT:$w"; done; builtin compadd "$@"; return r }'
        zpty -w z "$2"$'\\t'
        zpty -r z out '*42END*'
        print -r -- "${out//$'\\r'/}" | grep -a -o '42HIT:.*' | sed 's/^42HIT://'
        zpty -d z
        """

    let scratch: TemporaryDirectory
    let drivers: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory(prefix: "swapinspect-complete")
        drivers = try TemporaryDirectory(prefix: "swapinspect-drivers")
        try Fixture.swapFile(scratch.path + "/myswap")
        try Fixture.writeFile(scratch.path + "/mything", size: 8192)
        try FileManager.default.createDirectory(atPath: scratch.path + "/mydir", withIntermediateDirectories: false)
        try Self.bashDriver.write(toFile: drivers.path + "/drive.bash", atomically: true, encoding: .utf8)
        try Self.zshDriver.write(toFile: drivers.path + "/drive.zsh", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: drivers.path + "/zfunc", withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: Paths.completions.appendingPathComponent("_swapinspect").path, toPath: drivers.path + "/zfunc/_swapinspect")
    }

    /// The candidates `shell` offers for `line` (a TAB at its end), in the scratch directory, with the
    /// built swapinspect first in PATH (custom completions call it).
    func candidates(_ shell: Shell, _ line: String) throws -> Set<String> {
        let binDirectory = (Paths.binary as NSString).deletingLastPathComponent
        let environment = ["PATH": binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let command: [String]
        switch shell {
        case .bash:
            // bash splits `--opt=v` at '=' (COMP_WORDBREAKS).
            var words = line.replacingOccurrences(of: "=", with: " = ").split(separator: " ").map(String.init)
            if line.hasSuffix(" ") || line.hasSuffix("=") { words.append("") }
            command = ["bash", drivers.path + "/drive.bash", Paths.completions.appendingPathComponent("swapinspect.bash").path] + words
        case .zsh:
            command = ["zsh", "-f", drivers.path + "/drive.zsh", drivers.path + "/zfunc", line]
        case .fish:
            let script = Paths.completions.appendingPathComponent("swapinspect.fish").path
            command = ["fish", "--no-config", "-c", "source \(script); complete -C \"$argv[1]\"", line]
        }
        let run = try Runner.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", scratch.path] + command, environment: environment, timeout: 60)
        try #require(run.status == 0 && !run.timedOut, "\(shell) \(line): \(run)")
        // fish: `candidate<TAB>description`.
        return Set(run.stdoutText.split(separator: "\n").map { String($0.split(separator: "\t", maxSplits: 1).first ?? "") }.filter { !$0.isEmpty })
    }

    static let subcommands: Set<String> = ["inspect", "image", "list", "probe", "activate", "deactivate", "help"]

    @Test(arguments: Shell.allCases)
    func candidatesComeFromTheCommands(_ shell: Shell) throws {
        defer { scratch.remove(); drivers.remove() }
        guard Self.available(shell) else {
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

    /// `deactivate <TAB>`: the areas of /proc/swaps, here one this test activates (root; the kernel lock
    /// is the caller's, as for every test that activates).
    @Test(arguments: Shell.allCases)
    func deactivateOffersTheActiveAreas(_ shell: Shell) throws {
        defer { scratch.remove(); drivers.remove() }
        guard Self.available(shell), geteuid() == 0 else {
            try #require(ProcessInfo.processInfo.environment["CI"] != "true", "\(shell) installed and root are needed in CI")
            print("skipping deactivate completion in \(shell): not root or \(shell) not installed")
            return
        }
        let path = scratch.path + "/active swap"
        try Fixture.swapFile(path)
        let swapon = try #require(Runner.tool("swapon"))
        let on = try Runner.run(swapon, [path])
        try #require(on.status == 0, "\(on)")
        defer { ActiveSwaps.deactivateIfActive([path]) }
        let canonical = try #require(realpath(path, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) })
        let offered = try candidates(shell, "swapinspect deactivate ")
        // zsh's compadd holds the word as it goes into the line, the space quoted.
        let word = shell == .zsh ? canonical.replacingOccurrences(of: " ", with: "\\ ") : canonical
        #expect(offered.contains(word), "\(shell): \(offered)")
        #expect(!offered.contains("myswap") && !offered.contains("mything"), "\(shell): files that are not active: \(offered)")
    }

    /// A value the completions offer is one the parser takes (not exit 64).
    func expectParses(_ arguments: [String]) throws {
        let run = try Runner.swapinspect(arguments)
        #expect(run.status != 64, "\(arguments): \(run)")
    }
}
