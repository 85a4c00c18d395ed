import Foundation
import Glibc

/// The swap areas the running kernel has active, and their deactivation, for cleaning up after a test
/// that activated something (or might have). Reading needs nothing; swapoff needs root.
public enum ActiveSwaps {
    /// The Filename column of /proc/swaps, with the kernel's octal escapes (`\040` for a space) decoded;
    /// empty when /proc/swaps cannot be read.
    public static func names() -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/swaps", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).first.map { unescape(String($0)) }
        }
    }

    private static func unescape(_ name: String) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(name.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count {
                let digits = utf8[(index + 1)...(index + 3)]
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                    bytes.append(digits.reduce(0) { $0 &* 8 &+ ($1 - UInt8(ascii: "0")) })
                    index += 4
                    continue
                }
            }
            bytes.append(utf8[index])
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private typealias SwapoffFunction = @convention(c) (UnsafePointer<CChar>) -> Int32

    /// swapoff(2) of `path` (bound by name: the Glibc module leaves <sys/swap.h> out); 0 or the errno.
    public static func swapoff(_ path: String) -> Int32 {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "swapoff") else { return ENOSYS }
        let call = unsafeBitCast(pointer, to: SwapoffFunction.self)
        return call(path) == 0 ? 0 : errno
    }

    /// swapoff(2) of every active area whose name starts with `prefix` (a directory the test created,
    /// with its trailing slash); the failures, in words.
    @discardableResult
    public static func deactivate(under prefix: String) -> [String] {
        names().filter { $0.hasPrefix(prefix) }.compactMap { name in
            let code = swapoff(name)
            return code == 0 ? nil : "swapoff \(name): \(String(cString: strerror(code)))"
        }
    }

    /// swapoff(2) of each of `paths` that is active (compared by canonical path); the failures, in words.
    @discardableResult
    public static func deactivateIfActive(_ paths: [String]) -> [String] {
        let active = Set(names())
        return paths.compactMap { path -> String? in
            guard let resolved = realpath(path, nil) else { return nil }
            let canonical = String(cString: resolved)
            free(resolved)
            guard active.contains(canonical) else { return nil }
            let code = swapoff(canonical)
            return code == 0 ? nil : "swapoff \(canonical): \(String(cString: strerror(code)))"
        }
    }
}
