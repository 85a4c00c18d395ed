import ArgumentParser
import SwapInspectCore

/// The start-up fast path: the one command an invocation runs, parsed without the whole command tree.
///
/// `SwapInspectCommand.main(_:)` (ArgumentParser's full parse) builds the root's argument set and, for
/// every value it meets, the argument sets of the matching subcommand and of the default one (to see
/// whether either captures all remaining input): Mirror runs and protocol-conformance scans for
/// commands that are not run, on every start. So the command an invocation names (or `inspect`, the
/// default) is parsed on its own:
///
/// - `inspect`, `list` and `probe` in their plain forms (`QuickSyntax`) without ArgumentParser at all;
/// - any other successful parse of that command as a root of its own: the same command with the same
///   values, as the root has no options or arguments, the subcommands have no subcommands, no
///   aliases, no parent state and no `--version` of their own, and their `validate()` is pure.
///
/// Anything else (help, `--version` among other arguments, completion scripts and requests, every
/// usage or validation error) makes this return nil, and the full parse answers exactly as before:
/// help, usage lines, error messages and completion scripts come from it alone.
enum StartupDispatch {
    /// `--discard` takes an optional value: `--discard=once`, `--discard once` (a policy name as the next
    /// word, as the completions offer it) or `--discard` alone, which means all. Rewritten to the
    /// attached form before any parse. A path named like a policy is written `./once`.
    /// `create --fstab` takes an optional value too (`--fstab=FILE`): alone it means /etc/fstab
    /// (`activate --all --fstab FILE` takes its value as any option does).
    static func normalized(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var index = 0
        let create = arguments.first == "create"
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if token == "--" {
                out += arguments[(index - 1)...]
                break
            }
            if create && token == "--fstab" {
                out.append("--fstab=/etc/fstab")
                continue
            }
            guard token == "--discard" else {
                out.append(token)
                continue
            }
            if index < arguments.count, DiscardPolicy(argument: arguments[index]) != nil {
                out.append("--discard=" + arguments[index])
                index += 1
            } else {
                out.append("--discard=all")
            }
        }
        return out
    }

    /// The shell of `--generate-completion-script SHELL` (or `=SHELL`), nil for anything else (which
    /// ArgumentParser answers, errors included).
    static func completionScriptShell(_ arguments: [String]) -> CompletionShell? {
        let option = "--generate-completion-script"
        switch arguments.count {
        case 2 where arguments[0] == option: return CompletionShell(rawValue: arguments[1])
        case 1 where arguments[0].hasPrefix(option + "="): return CompletionShell(rawValue: String(arguments[0].dropFirst(option.count + 1)))
        default: return nil
        }
    }

    /// `help NAME` for a NAME that is no subcommand: the one-line error, else nil.
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help", arguments.count >= 2 else { return nil }
        let names = SwapInspectCommand.configuration.subcommands.map { $0.configuration.commandName ?? "" }
        let topic = arguments[1]
        // Options (help -h, help --version) stay ArgumentParser's.
        if topic.hasPrefix("-") || names.contains(topic) { return nil }
        return "unknown subcommand '\(topic)' (subcommands: \(names.joined(separator: ", ")))"
    }

    /// The parsed command to run, or nil when only the full parse can answer.
    static func command(for arguments: [String]) -> ParsableCommand? {
        let root = SwapInspectCommand.configuration
        let type: ParsableCommand.Type
        var rest = arguments[...]
        if let first = arguments.first, let named = root.subcommands.first(where: { $0.configuration.commandName == first }) {
            type = named
            rest = rest.dropFirst()
        } else if let first = arguments.first, first == "help" || first == "---completion" {
            // The help subcommand ArgumentParser adds to the tree, and its completion request protocol.
            return nil
        } else if let fallback = root.defaultSubcommand {
            type = fallback
        } else {
            return nil
        }
        if let quick = QuickSyntax.command(type, rest) { return quick }
        // A parse error is not reported here: the full parse reports it, with the root's usage.
        guard let parsed = try? type.parseAsRoot(Array(rest)), Swift.type(of: parsed) == type else { return nil }
        return parsed
    }
}

/// The plain forms of the arguments of `inspect`, `list` and `probe`, parsed without ArgumentParser: each
/// token a long flag of the command (at most once), a long option with its value attached
/// (`--name=value`) or in the next token when that does not start with `-` (at most once, the value
/// parsed by the option type's own `init?(argument:)`), or a positional value that does not start with
/// `-`. These are forms ArgumentParser reads exactly so; anything else (short names, `--`, `-`,
/// repetitions, help, unknown names, missing or bad values, validation errors) is left to it. The
/// names are the commands' own (a test holds them to `--experimental-dump-help`), and the command is
/// built as ArgumentParser's decoding builds it: every property set, then the option groups' and the
/// command's `validate()`.
enum QuickSyntax {
    /// Long flags and long options, per command. Arrays, not sets: a handful of names, and no Hashable
    /// conformance for the runtime to look up on every start.
    typealias Names = (flags: [String], options: [String])
    static let pageSize = "page-size"
    static let output: Names = (["json", "extents", "strict"], ["format", "output-file", "color"])
    static let table: Names = (["noheadings", "raw", "output-all"], ["output"])
    static let inspect: Names = (output.flags + ["sync"], output.options + [pageSize, "model", "mapper"])
    static let list: Names = (inspect.flags + table.flags + ["bytes"], inspect.options + table.options)
    static let probe: Names = (["json", "strict"] + table.flags, [pageSize] + table.options)

    struct Unsupported: Error {}

    static func command(_ type: ParsableCommand.Type, _ arguments: ArraySlice<String>) -> ParsableCommand? {
        if type == Inspect.self { return try? Inspect(quick: Tokens(arguments, inspect)) }
        if type == List.self { return try? List(quick: Tokens(arguments, list)) }
        if type == Probe.self { return try? Probe(quick: Tokens(arguments, probe)) }
        return nil
    }

    /// One command line split by the rules above.
    struct Tokens {
        private(set) var flags: [String] = []
        private(set) var values: [(name: String, value: String)] = []
        private(set) var positionals: [String] = []

        init(_ arguments: ArraySlice<String>, _ syntax: Names) throws {
            var index = arguments.startIndex
            while index < arguments.endIndex {
                let token = arguments[index]
                index += 1
                guard token.hasPrefix("-") else {
                    positionals.append(token)
                    continue
                }
                guard token.hasPrefix("--") else { throw Unsupported() }
                let body = token.dropFirst(2)
                if let equals = body.firstIndex(of: "=") {
                    let name = String(body[..<equals])
                    guard syntax.options.contains(name), text(name) == nil else { throw Unsupported() }
                    values.append((name, String(body[body.index(after: equals)...])))
                } else if syntax.flags.contains(String(body)) {
                    guard !flags.contains(String(body)) else { throw Unsupported() }
                    flags.append(String(body))
                } else if syntax.options.contains(String(body)), text(String(body)) == nil, index < arguments.endIndex,
                    !arguments[index].hasPrefix("-")
                {
                    values.append((String(body), arguments[index]))
                    index += 1
                } else {
                    throw Unsupported()
                }
            }
        }

        func flag(_ name: String) -> Bool { flags.contains(name) }

        /// The option's value as given, nil when it was not.
        private func text(_ name: String) -> String? { values.first { $0.name == name }?.value }

        /// The option's value, nil when it was not given; throws when the type does not take it.
        func value<T: ExpressibleByArgument>(_ name: String, as _: T.Type = T.self) throws -> T? {
            guard let text = text(name) else { return nil }
            guard let value = T(argument: text) else { throw Unsupported() }
            return value
        }
    }
}

extension OutputOptions {
    init(quick tokens: QuickSyntax.Tokens) throws {
        self.init()
        var document = DocumentOptions()
        document.json = tokens.flag("json")
        document.format = try tokens.value("format")
        document.outputFile = try tokens.value("output-file")
        try document.validate()
        self.document = document
        extents = tokens.flag("extents")
        strict = tokens.flag("strict")
        color = try tokens.value("color") ?? .auto
        try validate()
    }
}

extension TableOptions {
    init(quick tokens: QuickSyntax.Tokens) throws {
        self.init()
        noheadings = tokens.flag("noheadings")
        raw = tokens.flag("raw")
        output = try tokens.value("output")
        outputAll = tokens.flag("output-all")
        try validate()
    }
}

extension PageSizeOption {
    init(quick tokens: QuickSyntax.Tokens) throws {
        self.init()
        pageSize = try tokens.value(QuickSyntax.pageSize)
        try validate()
    }
}

extension SimulationOptions {
    init(quick tokens: QuickSyntax.Tokens) throws {
        self.init()
        page = try PageSizeOption(quick: tokens)
        model = try tokens.value("model") ?? .auto
        mapper = try tokens.value("mapper") ?? .auto
        sync = tokens.flag("sync")
        try validate()
    }
}

extension Inspect {
    init(quick tokens: QuickSyntax.Tokens) throws {
        self.init()
        output = try OutputOptions(quick: tokens)
        simulation = try SimulationOptions(quick: tokens)
        paths = tokens.positionals
        try validate()
    }
}

extension List {
    init(quick tokens: QuickSyntax.Tokens) throws {
        guard tokens.positionals.isEmpty else { throw QuickSyntax.Unsupported() }
        self.init()
        output = try OutputOptions(quick: tokens)
        table = try TableOptions(quick: tokens)
        bytes = tokens.flag("bytes")
        simulation = try SimulationOptions(quick: tokens)
        try validate()
    }
}

extension Probe {
    init(quick tokens: QuickSyntax.Tokens) throws {
        guard !tokens.positionals.isEmpty else { throw QuickSyntax.Unsupported() }
        self.init()
        json = tokens.flag("json")
        strict = tokens.flag("strict")
        page = try PageSizeOption(quick: tokens)
        table = try TableOptions(quick: tokens)
        paths = tokens.positionals
        try validate()
    }
}
