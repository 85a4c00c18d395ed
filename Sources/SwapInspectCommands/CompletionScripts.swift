import ArgumentParser
import Glibc

/// The completion scripts: ArgumentParser's, with the one thing it cannot express added — `inspect` is
/// the default subcommand, so `swapinspect /sw<TAB>` completes paths and `swapinspect --json <TAB>`
/// completes what `inspect` takes (not subcommand names). Each shell's entry point is renamed and
/// wrapped: when the first argument is not a subcommand, the wrapper completes the line as if `inspect`
/// were written there (in bash and zsh by inserting it into the words ArgumentParser's functions read,
/// in fish into the tokens its conditions read). Everything else (values, custom completions) is
/// ArgumentParser's, generated from the commands. The anchors are ArgumentParser's exact text: when a
/// new version changes them, generating fails loudly (and `DocsDriftTests`, the shell tests with it).
enum CompletionScripts {
    struct AnchorMissing: Error, CustomStringConvertible {
        var shell: String
        var anchor: String
        var description: String { "cannot add the default subcommand to ArgumentParser's \(shell) script: '\(anchor)' not found" }
    }

    static var subcommandNames: [String] {
        SwapInspectCommand.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
    }

    /// The script for `shell` (bash, zsh, fish).
    static func script(for shell: CompletionShell) throws -> String {
        let generated = SwapInspectCommand.completionScript(for: shell)
        switch shell {
        case .bash: return try replacing(generated, "\n_swapinspect() {\n", with: "\n_swapinspect_root() {\n", shell: "bash") + bashWrapper
        case .zsh:
            let renamed = try replacing(zshOptionsTakeEquals(generated), "\n_swapinspect() {\n", with: "\n_swapinspect_root() {\n", shell: "zsh")
            let tail = "\nif [[ \"${funcstack[1]}\" = _swapinspect ]]; then"
            return try replacing(renamed, tail, with: zshWrapper + tail, shell: "zsh")
        case .fish:
            let renamed = try replacing(generated, "\nfunction __swapinspect_tokens\n", with: "\nfunction __swapinspect_tokens_raw\n", shell: "fish")
            return renamed + fishWrapper
        default: return generated
        }
    }

    /// `'--name[help]:value:…'` becomes `'--name=[help]:value:…'`: zsh then completes the value after
    /// `--name=` as well as in the next word, both of which the command takes.
    static func zshOptionsTakeEquals(_ script: String) -> String {
        var lines: [Substring] = []
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            let body = line.drop { $0 == " " }
            guard body.hasPrefix("'--"), let open = body.firstIndex(of: "["),
                body[body.index(after: body.startIndex)..<open].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }),
                body[open...].contains("]:")
            else {
                lines.append(line)
                continue
            }
            lines.append(line[..<open] + "=" + line[open...])
        }
        return lines.joined(separator: "\n")
    }

    private static func replacing(_ text: String, _ anchor: String, with replacement: String, shell: String) throws -> String {
        guard let range = text.firstRange(of: anchor) else { throw AnchorMissing(shell: shell, anchor: anchor) }
        var text = text
        text.replaceSubrange(range, with: replacement)
        return text
    }

    private static var alternatives: String { subcommandNames.joined(separator: "|") }

    static var bashWrapper: String {
        """

        # swapinspect: inspect is the default subcommand. Unless the first argument names a subcommand
        # (or is being typed and is no option), complete as if `inspect` were written after the command.
        # And --option=value: bash splits the word at '=' (COMP_WORDBREAKS); the functions above read
        # --option value, which the command takes too.
        _swapinspect() {
            local -a COMP_WORDS=("${COMP_WORDS[@]}")
            local -i COMP_CWORD="${COMP_CWORD}" COMP_POINT="${COMP_POINT}"
            local COMP_LINE="${COMP_LINE}"
            if [[ "${COMP_CWORD}" -ge 2 && "${COMP_WORDS[COMP_CWORD-1]}" == = && "${COMP_WORDS[COMP_CWORD-2]}" == --* ]]; then
                local option="${COMP_WORDS[COMP_CWORD-2]}"
                COMP_WORDS=("${COMP_WORDS[@]:0:COMP_CWORD-1}" "${COMP_WORDS[@]:COMP_CWORD}")
                COMP_CWORD=$((COMP_CWORD - 1))
                COMP_LINE="${COMP_LINE/"${option}="/"${option} "}"
            fi
            local -i first=1
            if [[ "${COMP_CWORD}" -gt 1 && ! "${COMP_WORDS[1]}" =~ ^(\(alternatives))$ ]] \\
                || [[ "${COMP_CWORD}" -eq 1 && "${COMP_WORDS[1]}" == -* ]]; then
                COMP_WORDS=("${COMP_WORDS[0]}" inspect "${COMP_WORDS[@]:1}")
                COMP_CWORD=$((COMP_CWORD + 1))
                COMP_LINE="${COMP_WORDS[0]} inspect${COMP_LINE:${#COMP_WORDS[0]}}"
                COMP_POINT=$((COMP_POINT + 8))
                first=0
            fi
            _swapinspect_root "${1}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            if [[ "${first}" -eq 1 && "${COMP_CWORD}" -eq 1 ]]; then
                local path
                while IFS='' read -r path; do COMPREPLY+=("${path}"); done < <(compgen -f -- "${COMP_WORDS[1]}")
            fi
        }

        """
    }

    static var zshWrapper: String {
        """

        # swapinspect: inspect is the default subcommand. Unless the first argument names a subcommand
        # (or is being typed and is no option), complete as if `inspect` were written after the command.
        _swapinspect() {
            local -ar swapinspect_subcommands=(\(subcommandNames.joined(separator: " ")))
            if (( CURRENT > 2 && ! ${swapinspect_subcommands[(Ie)${words[2]}]} )) || [[ CURRENT -eq 2 && "${PREFIX}" == -* ]]; then
                words=("${words[1]}" inspect "${(@)words[2,-1]}")
                (( CURRENT++ ))
                _swapinspect_root
                return
            fi
            local -i ret=1
            _swapinspect_root && ret=0
            if (( CURRENT == 2 )); then
                _files && ret=0
            fi
            return "${ret}"
        }

        """
    }

    static var fishWrapper: String {
        """

        # swapinspect: inspect is the default subcommand. Unless the first argument names a subcommand
        # (or is being typed and is no option), the tokens read as if `inspect` were written after the command.
        function __swapinspect_tokens
            if test "$argv" = -tC
                # The cursor in the current token; without an editor (`complete -C` in `fish -c`) there is
                # none, and the cursor is at the end of the line.
                set -l cursor (__swapinspect_tokens_raw -tC 2>/dev/null)
                test -n "$cursor"; or set cursor (string length -- "$(__swapinspect_tokens_raw -t)")
                printf '%s\n' $cursor
                return
            end
            set -l tokens (__swapinspect_tokens_raw $argv)
            if string match -qr -- '^-[a-zA-Z]*t' $argv
                printf '%s\\n' $tokens
                return
            end
            set -l before (__swapinspect_tokens_raw -pc)
            set -l current (__swapinspect_tokens_raw -t)
            if begin; test (count $before) -gt 1; and not contains -- $before[2] \(subcommandNames.joined(separator: " ")); end
                or begin; test (count $before) -eq 1; and string match -q -- '-*' "$current"; end
                set tokens $tokens[1] inspect $tokens[2..]
            end
            printf '%s\\n' $tokens
        end

        complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -F

        """
    }
}
