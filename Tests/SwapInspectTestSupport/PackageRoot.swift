import Foundation

/// The root of the swapinspect package, found from this file's path.
public enum PackageRoot {
    /// This file is `<root>/Tests/SwapInspectTestSupport/PackageRoot.swift`.
    public static let url: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `path` below the package root (`"man/swapinspect.8"`).
    public static func appending(_ path: String) -> URL { url.appendingPathComponent(path) }
}
