import Foundation
import Glibc

/// The committed completion scripts (`completions/`) driven in the real shells: bash through its
/// completion function (bash-completion loaded, COMP_WORDS/COMP_CWORD set, COMPREPLY read), zsh through
/// compinit in a zpty with compadd captured, fish through `complete -C`. The built swapinspect is first
/// in PATH (custom completions call it).
public struct CompletionDriver {
    public enum Shell: String, CaseIterable, Sendable { case bash, zsh, fish }

    public static let bashCompletion = "/usr/share/bash-completion/bash_completion"

    public static func available(_ shell: Shell) -> Bool {
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
    /// wrapped to print what it adds (unquoted, `${(Q)…}`: the value the word will have on the command
    /// line), the line typed with a TAB; the candidates come back marked.
    static let zshDriver = """
        zmodload zsh/zpty
        zpty z zsh -f -i
        zpty -w z "PROMPT='' RPROMPT=''; fpath=(${(q)1} \\$fpath); autoload -U compinit; compinit -u -D"
        zpty -w z 'bindkey "^I" complete-word; zstyle ":completion:*" list-grouped false; zstyle ":completion:*" insert-tab false'
        zpty -w z 'compprefuncs=(); comppostfuncs=(__done); __done() { print -r -- "$((6*7))END"; exit }'
        zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; local r=$?; local w; for w in $hits; do print -r -- "$((6*7))HIT:${(Q)w}"; done; builtin compadd "$@"; return r }'
        zpty -w z "$2"$'\\t'
        zpty -r z out '*42END*'
        print -r -- "${out//$'\\r'/}" | grep -a -o '42HIT:.*' | sed 's/^42HIT://'
        zpty -d z
        """

    let drivers: TemporaryDirectory
    let completions = PackageRoot.appending("completions")

    public init() throws {
        drivers = try TemporaryDirectory(prefix: "swapinspect-drivers")
        try Self.bashDriver.write(toFile: drivers.path + "/drive.bash", atomically: true, encoding: .utf8)
        try Self.zshDriver.write(toFile: drivers.path + "/drive.zsh", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: drivers.path + "/zfunc", withIntermediateDirectories: false)
        try FileManager.default.copyItem(
            atPath: completions.appendingPathComponent("_swapinspect").path, toPath: drivers.path + "/zfunc/_swapinspect")
    }

    public func remove() { drivers.remove() }

    /// The candidates `shell` offers for `line` (a TAB at its end), run in `directory`; fish's
    /// descriptions are dropped.
    public func candidates(_ shell: Shell, _ line: String, in directory: String) throws -> Set<String> {
        let binDirectory = (BuiltBinary.path as NSString).deletingLastPathComponent
        let environment = ["PATH": binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let command: [String]
        switch shell {
        case .bash:
            // bash splits `--opt=v` at '=' (COMP_WORDBREAKS).
            var words = line.replacingOccurrences(of: "=", with: " = ").split(separator: " ").map(String.init)
            if line.hasSuffix(" ") || line.hasSuffix("=") { words.append("") }
            command = ["bash", drivers.path + "/drive.bash", completions.appendingPathComponent("swapinspect.bash").path] + words
        case .zsh:
            command = ["zsh", "-f", drivers.path + "/drive.zsh", drivers.path + "/zfunc", line]
        case .fish:
            let script = completions.appendingPathComponent("swapinspect.fish").path
            command = ["fish", "--no-config", "-c", "source \(script); complete -C \"$argv[1]\"", line]
        }
        let run = try Runner.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory] + command, environment: environment, timeout: 60)
        guard run.status == 0, !run.timedOut else { throw TestSupportError("\(shell) completing '\(line)': \(run)") }
        return Set(
            run.stdoutText.split(separator: "\n").map { String($0.split(separator: "\t", maxSplits: 1).first ?? "") }
                .filter { !$0.isEmpty })
    }
}
