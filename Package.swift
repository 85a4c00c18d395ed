// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swapinspect",
    products: [
        .executable(name: "swapinspect", targets: ["swapinspect"]),
        // For the fuzz package (fuzz/Package.swift), which depends on this one by path.
        .library(name: "SwapInspectCore", targets: ["SwapInspectCore"]),
        .library(name: "SwapInspectImage", targets: ["SwapInspectImage"]),
        // The renderers, for the layout fuzzer (built in debug, so `@testable import` reaches them).
        .library(name: "SwapInspectCommands", targets: ["SwapInspectCommands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        // Pure: header detection and validation, activation models, findings. No Foundation, no I/O.
        .target(name: "SwapInspectCore"),
        // C shim: ioctl numbers and kernel structs live here and nowhere else.
        .target(name: "CSwapInspectLinux"),
        .systemLibrary(name: "CExt2fs", pkgConfig: "ext2fs", providers: [.apt(["libext2fs-dev"])]),
        .systemLibrary(name: "CBlkid", pkgConfig: "blkid", providers: [.apt(["libblkid-dev"])]),
        // Live adapters: open/stat/statfs/FIEMAP/FIBMAP -> Core inputs.
        .target(
            name: "SwapInspectLinux",
            dependencies: [
                "SwapInspectCore", "CSwapInspectLinux",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // C shim of the offline adapter: child processes (qemu-storage-daemon, xfs_db) with limits, and
        // the signal handler that cleans them up.
        .target(name: "CSwapInspectImage"),
        // Offline adapters: libext2fs and libblkid -> the same Core inputs.
        // With --allow-kernel-mount, the live adapter reads a read-only kernel mount of the image (KernelMount.swift).
        .target(
            name: "SwapInspectImage", dependencies: ["SwapInspectCore", "SwapInspectLinux", "CExt2fs", "CBlkid", "CSwapInspectImage"]),
        .target(
            name: "SwapInspectCommands",
            dependencies: [
                "SwapInspectCore", "SwapInspectLinux", "SwapInspectImage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "swapinspect", dependencies: ["SwapInspectCommands"]),
        // Helpers every test target shares (process runner, built binary, temporary directories, tool
        // lookup, loop devices, mounts, active swap areas); only test targets depend on it.
        .target(name: "SwapInspectTestSupport", path: "Tests/SwapInspectTestSupport"),
        .testTarget(name: "SwapInspectCoreTests", dependencies: ["SwapInspectCore"]),
        .testTarget(
            name: "SwapInspectLinuxTests",
            dependencies: ["SwapInspectLinux", "SwapInspectCore", "SwapInspectTestSupport"],
            // C programs the tests compile and run themselves (the shim with its syscalls scripted).
            exclude: ["ShimHarness"]
        ),
        .testTarget(
            name: "SwapInspectCommandsTests",
            dependencies: ["SwapInspectCommands", "SwapInspectCore", "SwapInspectLinux", "SwapInspectTestSupport"],
            // The golden text outputs, and the JSON Schema validator the tests run with /usr/bin/python3.
            exclude: ["Golden", "validate-json.py"]
        ),
        .testTarget(
            name: "SwapInspectImageTests",
            dependencies: ["SwapInspectImage", "SwapInspectCore", "SwapInspectLinux", "SwapInspectTestSupport"],
            // The golden verdicts of the damaged-image corpus.
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "SwapInspectKernelTests",
            dependencies: ["SwapInspectLinux", "SwapInspectCore", "SwapInspectTestSupport"]
        ),
        // The qemu guest (make test-vm, SWAPINSPECT_VM=1): Debian's kernel with hibernation, vfat and exFAT.
        .testTarget(name: "SwapInspectVMTests", dependencies: ["SwapInspectTestSupport"]),
    ]
)
