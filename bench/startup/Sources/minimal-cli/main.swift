// The floor of a swift-argument-parser program: a root command with a version and two subcommands (one
// the default), each with a flag, an option and a positional argument, as ArgumentParser's own examples
// write them. bench/run.sh times `minimal-cli greet --loud world` and `minimal-cli --version`.
import ArgumentParser

struct MinimalCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minimal-cli",
        abstract: "A minimal command-line tool with two subcommands.",
        version: "minimal-cli 1.0.0",
        subcommands: [Greet.self, Count.self],
        defaultSubcommand: Greet.self
    )
}

struct Greet: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Greet someone.")

    @Flag(name: .long, help: "Shout.")
    var loud = false

    @Option(name: .long, help: "How many times.")
    var times = 1

    @Argument(help: "Who to greet.")
    var name: String

    func run() {
        for _ in 0..<times { print(loud ? "HELLO, \(name.uppercased())!" : "Hello, \(name)!") }
    }
}

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Count to a number.")

    @Flag(name: .long, help: "Count down.")
    var down = false

    @Option(name: .long, help: "The step.")
    var step = 1

    @Argument(help: "The number to count to.")
    var limit: Int

    func run() {
        let numbers = Array(stride(from: 1, through: limit, by: step))
        for n in down ? numbers.reversed() : numbers { print(n) }
    }
}

MinimalCLI.main()
