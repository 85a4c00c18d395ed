import Glibc
import SwapInspectCore
import SwapInspectLinux

/// The values the shells ask the command for when completing (`CompletionKind.custom`): what is true
/// of this machine at the time of the TAB, which no static list can know.
enum AreaCompletions {
    /// Entries read from one directory at most: completion must answer at once, even in /dev or /usr/lib.
    static let entryLimit = 2000

    /// `deactivate`: the active areas, as /proc/swaps names them.
    static func activeAreas(_ prefix: String) -> [String] {
        forShell(SwapControl.activeAreas().map(\.name).filter { $0.hasPrefix(prefix) })
    }

    /// Paths as the requesting shell's script reads the list (ArgumentParser sets `SAP_SHELL`): bash
    /// passes it through `compgen -W`, which expands each word (quote removal: `"`, `'`, `\`, `$`, a
    /// backquote are escaped); zsh through `_describe`, where `\` and `:` are special; fish takes it as is.
    static func forShell(_ paths: [String]) -> [String] {
        let shell = getenv("SAP_SHELL").map { String(cString: $0) }
        let specials: String
        switch shell {
        case "bash": specials = "\\\"'$`"
        case "zsh": specials = "\\:"
        default: return paths
        }
        return paths.map { path in
            var out = ""
            for character in path {
                if specials.contains(character) { out.append("\\") }
                out.append(character)
            }
            return out
        }
    }

    /// `activate`: in the directory being completed, the subdirectories (to go on) and the files and block
    /// devices whose first 64 KiB carry a swap signature (v1 or v0: a hibernation image is no area to
    /// activate). Opened read-only and non-blocking, special files never (`ReadOnlyArea`).
    static func swapLooking(_ prefix: String) -> [String] {
        let slash = prefix.lastIndex(of: "/")
        let directoryPart = slash.map { String(prefix[...$0]) } ?? ""
        let namePrefix = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        guard let directory = opendir(directoryPart.isEmpty ? "." : directoryPart) else { return [] }
        defer { closedir(directory) }
        var candidates: [String] = []
        var seen = 0
        while seen < entryLimit, let entry = readdir(directory) {
            seen += 1
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name != ".", name != "..", name.hasPrefix(namePrefix), namePrefix.hasPrefix(".") || !name.hasPrefix(".") else { continue }
            let path = directoryPart + name
            var status = stat()
            guard stat(path, &status) == 0 else { continue }
            if status.st_mode & S_IFMT == S_IFDIR {
                candidates.append(path + "/")
            } else if isSwapArea(path) {
                candidates.append(path)
            }
        }
        return forShell(candidates.sorted())
    }

    static func isSwapArea(_ path: String) -> Bool {
        let headers = (try? ReadOnlyArea.with(path) { SwapHeaderDetector.detectAll($0.headerBytes) }) ?? []
        return headers.contains { $0.kind == .swapV1 || $0.kind == .swapV0 }
    }
}
