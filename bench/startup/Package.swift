// swift-tools-version:6.0
// The start-up baselines of `make bench` (bench/run.sh): a Swift hello world and a minimal
// swift-argument-parser CLI with two subcommands, built as swapinspect is (release, static Swift
// standard library) with their own scratch path. swift-argument-parser by the same URL and version rule
// as the top-level Package.swift, so both resolve to the same release.
import PackageDescription

let package = Package(
    name: "startup-baselines",
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(name: "hello"),
        .executableTarget(
            name: "minimal-cli",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
    ]
)
