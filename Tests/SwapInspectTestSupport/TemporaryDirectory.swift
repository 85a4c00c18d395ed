import Foundation
import Glibc

/// A fresh directory made with mkdtemp(3), removed by `remove()` (callers `defer` it).
///
/// The default base is on the real disk (/var/tmp, not a tmpfs /tmp: tmpfs has no swap path at all);
/// `SWAPINSPECT_TEST_DIR` names another base where /var/tmp is a tmpfs.
public struct TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// `SWAPINSPECT_TEST_DIR` when set and not empty, else /var/tmp.
    public static var defaultBase: String {
        let base = ProcessInfo.processInfo.environment["SWAPINSPECT_TEST_DIR"] ?? ""
        return base.isEmpty ? "/var/tmp" : base
    }

    /// Makes `<base>/<prefix>.XXXXXX`. A trailing slash of `base` is ignored.
    public init(prefix: String = "swapinspect-tests", base: String = TemporaryDirectory.defaultBase) throws {
        var trimmed = base
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        var template = Array("\(trimmed)/\(prefix).XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TestSupportError("mkdtemp in \(trimmed) failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    /// `<path>/<name>`.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Removes the tree with absolute paths and lstat, never following symlinks (thread-safe: no chdir).
    /// A failure is printed as a warning, never thrown: cleanup must not hide the test's own result.
    public func remove() {
        if let failure = Self.removeTree(path) { print("warning: could not remove \(failure)") }
    }

    /// Removes `path` and everything below it without following symlinks; the first failure, or nil.
    public static func removeTree(_ path: String) -> String? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return errno == ENOENT ? nil : "\(path): \(String(cString: strerror(errno)))" }
        if status.st_mode & S_IFMT == S_IFDIR {
            var failure: String?
            if let directory = opendir(path) {
                var names: [String] = []
                while let entry = readdir(directory) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(directory)
                for name in names { failure = removeTree(path + "/" + name) ?? failure }
            }
            return rmdir(path) == 0 ? failure : "\(path): \(String(cString: strerror(errno)))"
        }
        return unlink(path) == 0 ? nil : "\(path): \(String(cString: strerror(errno)))"
    }
}
