import ArgumentParser
import Foundation
import SwapInspectCore
import SwapInspectTestSupport
import Testing

@testable import SwapInspectCommands

/// The start-up fast path (`StartupDispatch`, `QuickSyntax`, `--version` in `SwapInspectCommand.main`)
/// against ArgumentParser's full parse of the same arguments: whenever the fast path answers, it is with
/// the command and values the full parse gives; whenever the full parse fails (or asks for help, a
/// version or a completion script), the fast path leaves the answer to it.
@Suite("start-up dispatch")
struct StartupDispatchTests {
    /// Argument vectors as `SwapInspectCommand.main()` hands them on (a bare `--discard` already rewritten).
    static let vectors: [[String]] = [
        [], ["/swapfile"], ["a", "b", "c"], ["--json"], ["--json", "/swapfile"], ["--json", "list"], ["/x", "list"],
        ["/x", "help"], ["--extents", "--json", "--strict", "--sync", "a"], ["--page-size", "65536", "a"],
        ["--page-size=16384", "a"], ["--page-size", "4097", "a"], ["--page-size", "x", "a"], ["--page-size"],
        ["--page-size", "--json", "a"], ["--page-size=", "a"], ["--model", "iomap", "a"], ["--model=btrfs", "a"],
        ["--model", "generic", "--mapper", "fibmap", "a"], ["--model", "bogus", "a"], ["--mapper=fiemap", "a"],
        ["--mapper", "auto", "--mapper", "fibmap", "a"], ["--json", "--json", "a"], ["--json=true", "a"],
        ["-h"], ["--help"], ["-help"], ["--version"], ["--version", "--version"], ["a", "--version"],
        ["--generate-completion-script", "bash"], ["--generate-completion-script"], ["---completion", "--", "positional@0", "0", "0"],
        ["--experimental-dump-help"], ["--", "a"], ["a", "--", "--json"], ["-"], ["-x"], ["--bogus", "a"], ["---x"],
        ["help"], ["help", "inspect"], ["inspect"], ["inspect", "a"], ["inspect", "--json", "a", "--extents", "b"],
        ["inspect", "list"], ["inspect", "--help"], ["inspect", "-h"], ["inspect", "--version"], ["inspect", "help"],
        ["inspect", "--model", "iomap", "--page-size", "8192", "--mapper=fibmap", "--sync", "a"],
        ["list"], ["list", "--json"], ["list", "--extents", "--strict", "--json"], ["list", "a"], ["list", "--help"],
        ["list", "--version"], ["list", "--page-size", "65536"], ["list", "--page-size", "3"], ["list", "--model=iomap"],
        ["list", "--sync", "--mapper", "fibmap"], ["list", "--generate-completion-script", "zsh"],
        ["probe"], ["probe", "a"], ["probe", "a", "b"], ["probe", "--json", "--strict", "a"], ["probe", "--page-size", "65536", "a"],
        ["probe", "--page-size", "1", "a"], ["probe", "--extents", "a"], ["probe", "--help"], ["probe", "-h", "a"],
        ["image", "img"], ["image", "img", "--path", "/swapfile"], ["image", "img", "--path", "swapfile"],
        ["image", "--partition", "1", "--offset", "0", "img"], ["image", "--partition", "0", "img"], ["image"],
        ["image", "--scan", "--json", "--extents", "--page-size", "4096", "img"],
        ["activate", "a"], ["activate", "--dry-run", "--json", "a"], ["activate", "--discard=all", "a"],
        ["activate", "--discard=once", "--priority", "5", "a"], ["activate", "--discard=bogus", "a"],
        ["activate", "--priority", "-1", "a"], ["activate", "--priority", "40000", "a"], ["activate", "--if-needed", "a", "b"],
        ["activate"], ["deactivate", "a"], ["deactivate", "--if-needed", "--json", "a"], ["deactivate"], ["deactivate", "-h"],
        [""], ["inspect", ""], ["--=x"], ["--model", "-x", "a"], ["--page-size=+4096", "a"], ["--page-size", "0x1000", "a"],
        ["list", "--json", "--json"], ["probe", "--page-size=65536", "--page-size=4096", "a"], ["probe", "--", "a"],
        // #14: util-linux's spellings and the list/probe table options.
        ["-J", "a"], ["list", "-J"], ["probe", "-J", "a"], ["-V"], ["list", "--noheadings", "--raw", "--bytes"],
        ["list", "--output=NAME,TYPE,SIZE"], ["list", "--output", "+verdict"], ["list", "--output", "NAME,BOGUS"],
        ["list", "--output="], ["list", "--output-all"], ["list", "--output-all", "--output=NAME"], ["list", "--output", "NAME", "--output", "SIZE"],
        ["probe", "--raw", "--noheadings", "--output=FIELD,LIBBLKID", "a"], ["probe", "--bytes", "a"], ["inspect", "--raw", "a"],
        ["--format=prometheus", "a"], ["--format", "json", "a"], ["--format", "json", "--json", "a"], ["--format=text", "--json", "a"],
        ["--format=bogus", "a"], ["list", "--format=prometheus", "--output-file", "/tmp/x.prom"], ["--output-file", "f.prom", "a"],
        ["--format=prometheus", "--output-file=", "a"], ["--format=prometheus", "--output-file", "dir/", "a"],
        ["--color=always", "a"], ["--color", "never", "list"], ["list", "--color=auto"], ["--color=sometimes", "a"],
        ["image", "--format=prometheus", "img"], ["help", "nosuch"], ["help", "list"], ["activate", "--priority", "-1", "a"],
        ["activate", "--priority=-1", "a"], ["activate", "--priority", "-2", "a"], ["activate", "--discard=pages", "a"],
    ]

    /// The arguments the fast path must answer itself (the common invocations the start-up bench times).
    static let answered: [[String]] = [
        [], ["/swapfile"], ["--json", "/swapfile"], ["inspect", "a"], ["inspect", "--json", "a", "--extents", "b"],
        ["list"], ["list", "--json"], ["probe", "a"], ["probe", "--json", "a"], ["image", "img"], ["activate", "--dry-run", "a"],
        ["deactivate", "a"],
    ]

    /// Everything ArgumentParser's decoding put into the command, property by property.
    static func contents(_ command: ParsableCommand) -> String {
        var text = ""
        dump(command, to: &text)
        return text
    }

    @Test(arguments: vectors)
    func sameCommandAsTheFullParse(_ arguments: [String]) throws {
        let full = try? SwapInspectCommand.parseAsRoot(arguments)
        guard let fast = StartupDispatch.command(for: arguments) else { return }
        let parsed = try #require(full, "\(arguments): the fast path parsed what the full parse refuses")
        #expect(type(of: parsed) == type(of: fast), "\(arguments)")
        #expect(Self.contents(parsed) == Self.contents(fast), "\(arguments)")
    }

    @Test(arguments: answered)
    func commonInvocationsTakeTheFastPath(_ arguments: [String]) {
        #expect(StartupDispatch.command(for: arguments) != nil, "\(arguments)")
    }

    @Test func quickSyntaxAnswersItsCommandsWithoutArgumentParser() throws {
        for arguments in [["a"], ["--json", "--page-size=65536", "--model", "iomap", "a"]] {
            #expect(QuickSyntax.command(Inspect.self, arguments[...]) != nil, "\(arguments)")
        }
        #expect(QuickSyntax.command(List.self, ["--json"]) != nil)
        #expect(QuickSyntax.command(Probe.self, ["--strict", "a"]) != nil)
        #expect(QuickSyntax.command(Image.self, ["img"]) == nil)
    }

    /// `QuickSyntax`'s names are the commands' own, as ArgumentParser describes them.
    @Test func quickSyntaxNamesAreTheCommandsOwn() throws {
        let result = try Runner.swapinspect(["--experimental-dump-help"])
        #expect(result.status == 0, "\(result)")
        let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let root = try #require(document["command"] as? [String: Any])
        let subcommands = try #require(root["subcommands"] as? [[String: Any]])
        let expected: [String: (flags: Set<String>, options: Set<String>, positional: Bool)] = [
            "inspect": (Set(QuickSyntax.inspect.flags), Set(QuickSyntax.inspect.options), true),
            "list": (Set(QuickSyntax.list.flags), Set(QuickSyntax.list.options), false),
            "probe": (Set(QuickSyntax.probe.flags), Set(QuickSyntax.probe.options), true),
        ]
        for (name, syntax) in expected {
            let command = try #require(subcommands.first { $0["commandName"] as? String == name }, "\(name)")
            var flags: Set<String> = []
            var options: Set<String> = []
            var positional = false
            for argument in command["arguments"] as? [[String: Any]] ?? [] {
                let names = argument["names"] as? [[String: Any]] ?? []
                let long = names.filter { $0["kind"] as? String == "long" }.compactMap { $0["name"] as? String }
                // ArgumentParser's own flags are not the command's: the fast path leaves them to it.
                if long.contains("help") || long.contains("version") { continue }
                // One long name each: the plain forms QuickSyntax reads (a short name, like -J, is left to
                // the full parse: QuickSyntax takes no token with a single dash).
                #expect(long.count <= 1, "\(name): \(argument)")
                switch argument["kind"] as? String {
                case "flag": flags.formUnion(long)
                case "option": options.formUnion(long)
                case "positional": positional = true
                default: Issue.record("\(name): \(argument)")
                }
            }
            #expect(flags == syntax.flags, "\(name)")
            #expect(options == syntax.options, "\(name)")
            #expect(positional == syntax.positional, "\(name)")
        }
    }

    /// `--discard VALUE` (a policy name) as the completions offer it, `--discard` alone as all, `--` ends it.
    @Test func discardTakesItsValueAttachedOrNext() {
        #expect(StartupDispatch.normalized(["activate", "--discard", "once", "a"]) == ["activate", "--discard=once", "a"])
        #expect(StartupDispatch.normalized(["activate", "--discard", "a"]) == ["activate", "--discard=all", "a"])
        #expect(StartupDispatch.normalized(["activate", "--discard", "./once"]) == ["activate", "--discard=all", "./once"])
        #expect(StartupDispatch.normalized(["activate", "--discard"]) == ["activate", "--discard=all"])
        #expect(StartupDispatch.normalized(["activate", "--", "--discard"]) == ["activate", "--", "--discard"])
        for policy in ["all", "once", "pages"] {
            let parsed = try? SwapInspectCommand.parseAsRoot(StartupDispatch.normalized(["activate", "--discard", policy, "a"]))
            #expect((parsed as? Activate)?.swapFlags.discard?.rawValue == policy, "\(policy)")
            #expect((parsed as? Activate)?.path == "a")
        }
    }

    /// activate and create share one `--priority`/`--discard` group: the same forms give the same flags.
    @Test(arguments: [
        (["--priority", "-1", "--discard"], SwapFlags(priority: nil, discard: .all)),
        (["--priority", "7", "--discard", "once"], SwapFlags(priority: 7, discard: .once)),
        (["--discard=pages", "--priority=32767"], SwapFlags(priority: 32767, discard: .pages)),
        ([], SwapFlags()),
    ])
    func activateAndCreateParseSwapFlagsAlike(options: [String], expected: SwapFlags) throws {
        let activate = try SwapInspectCommand.parseAsRoot(StartupDispatch.normalized(["activate"] + options + ["a"]))
        let create = try SwapInspectCommand.parseAsRoot(StartupDispatch.normalized(["create", "--size", "1M"] + options + ["a"]))
        #expect((activate as? Activate)?.swapFlags.flags == expected, "\(options)")
        #expect((create as? Create)?.flags == expected, "\(options)")
        #expect((create as? Create)?.path == "a" && (activate as? Activate)?.path == "a")
        for command in [["activate"], ["create", "--size", "1M"]] {
            #expect(throws: (any Error).self, "\(command)") {
                try SwapInspectCommand.parseAsRoot(command + ["--priority", "32768", "a"])
            }
        }
    }

    /// `help NAME` of no subcommand is a usage error (exit 64 with the usage line), not the root's help.
    @Test func helpOfAnUnknownSubcommandIsAUsageError() throws {
        let unknown = try Runner.swapinspect(["help", "nosuch"])
        #expect(unknown.status == 64, "\(unknown)")
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("unknown subcommand 'nosuch'") && unknown.stderr.contains("Usage: swapinspect"), "\(unknown)")
        let known = try Runner.swapinspect(["help", "list"])
        #expect(known.status == 0 && known.stdoutText.contains("--noheadings"), "\(known)")
        for arguments in [["--bogus"], ["list", "--output=NAME,BOGUS"], ["activate", "--priority", "-2", "a"], ["--color=sometimes", "a"]] {
            let run = try Runner.swapinspect(arguments)
            #expect(run.status == 64 && run.stderr.contains("Usage: swapinspect"), "\(arguments): \(run)")
        }
        let version = try Runner.swapinspect(["-V"])
        #expect(version.status == 0 && version.stdoutText == SwapInspectCommand.configuration.version + "\n", "\(version)")
    }

    /// `--version` alone (answered before any parse) prints what ArgumentParser prints for it elsewhere.
    @Test func versionAloneIsArgumentParsersVersion() throws {
        let fast = try Runner.swapinspect(["--version"])
        #expect(fast.status == 0 && fast.stderr.isEmpty, "\(fast)")
        #expect(fast.stdoutText == SwapInspectCommand.configuration.version + "\n", "\(fast)")
        for arguments in [["--version", "--version"], ["inspect", "--version"], ["list", "--version"]] {
            let full = try Runner.swapinspect(arguments)
            #expect(full.status == fast.status && full.stdout == fast.stdout && full.stderr == fast.stderr, "\(arguments): \(full)")
        }
    }
}
