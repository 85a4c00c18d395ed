// swift-tools-version:6.0
// libFuzzer targets for swapinspect, in a package of their own: an executable whose entry point is
// LLVMFuzzerTestOneInput has no main() of its own, so it would not link in a normal `swift build` of
// the main package. Build and run with `make fuzz` (see fuzz/run.sh).
import PackageDescription

let package = Package(
    name: "swapinspect-fuzz",
    dependencies: [.package(name: "swapinspect", path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "SwapInspectCore", package: "swapinspect"),
                .product(name: "SwapInspectCommands", package: "swapinspect"),
            ]),
        .executableTarget(name: "FuzzHeader", dependencies: ["CFuzzDriver", .product(name: "SwapInspectCore", package: "swapinspect")]),
        .executableTarget(name: "FuzzProcSwaps", dependencies: ["CFuzzDriver", .product(name: "SwapInspectCore", package: "swapinspect")]),
        .executableTarget(name: "FuzzFstab", dependencies: ["CFuzzDriver", .product(name: "SwapInspectCore", package: "swapinspect")]),
        .executableTarget(name: "FuzzContainer", dependencies: ["CFuzzDriver", .product(name: "SwapInspectCore", package: "swapinspect")]),
        .executableTarget(
            name: "FuzzLayout",
            dependencies: ["CFuzzDriver", "FuzzSupport", .product(name: "SwapInspectCore", package: "swapinspect")]),
        .executableTarget(
            name: "FuzzBtrfs",
            dependencies: ["CFuzzDriver", "FuzzSupport", .product(name: "SwapInspectCore", package: "swapinspect")]),
        .executableTarget(
            name: "FuzzImage",
            dependencies: [
                "CFuzzDriver", .product(name: "SwapInspectCore", package: "swapinspect"),
                .product(name: "SwapInspectImage", package: "swapinspect"),
            ]),
    ]
)
