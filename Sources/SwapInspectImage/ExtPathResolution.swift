internal import CExt2fs
import Glibc
import SwapInspectCore

extension ExtFilesystem {
    struct ResolvedPath {
        /// The path with every symbolic link inside the image replaced by its target (what the
        /// kernel's d_path prints after util-linux swapon canonicalises the name).
        var canonical: String
        var inode: Inode
        /// `link → target` for each symbolic link followed.
        var links: [String]
    }

    /// The lookup failed because the name is not there (ENOENT, or a file where a directory should be).
    static func isNotFound(_ error: AreaError) -> Bool {
        error.errno == .noSuchFileOrDirectory || error.errno == .notDirectory
    }

    /// Symbolic links followed in one lookup before it fails, as the kernel's namei counts them (MAXSYMLINKS).
    static let maxSymlinks = 40

    /// Resolves an absolute path inside the image, component by component from the image's root
    /// (EXT2_ROOT_INO), following symbolic links the way the kernel's namei does (at most 40),
    /// absolute targets relative to the image's root — never the host's.
    func resolve(_ path: String) throws(AreaError) -> ResolvedPath {
        let failure = { (reason: String, errno: ErrnoName?) in
            AreaError(path: self.name(of: path), operation: "cannot look up", errno: errno, reason: reason)
        }
        guard path.hasPrefix("/") else { throw failure("not an absolute path inside the image", nil) }
        var pending = path.split(separator: "/").map(String.init)
        // Each directory's inode is read once, when its name is looked up, and kept on the stack.
        var stack: [(name: String, inode: Inode)] = []
        var links: [String] = []
        let root = try inode(UInt32(EXT2_ROOT_INO), of: path)
        func joined(_ parts: [String]) -> String { "/" + parts.joined(separator: "/") }
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                if !stack.isEmpty { stack.removeLast() }
                continue
            }
            let soFar = joined(stack.map(\.name) + [component])
            let parent = stack.last?.inode ?? root
            guard parent.isDirectory else {
                throw failure("\(joined(stack.map(\.name))) is \(parent.typeDescription), not a directory (inside the image)", .notDirectory)
            }
            let found = try lookUp(component, in: parent, soFar: soFar, for: path)
            guard found.isSymlink else {
                stack.append((component, found))
                continue
            }
            guard links.count < Self.maxSymlinks else { throw failure("too many levels of symbolic links inside the image", nil) }
            let target = try readLink(found, path: path)
            links.append("\(soFar) → \(target)")
            if target.hasPrefix("/") { stack.removeAll() }
            pending = target.split(separator: "/").map(String.init) + pending
        }
        return ResolvedPath(canonical: joined(stack.map(\.name)), inode: stack.last?.inode ?? root, links: links)
    }

    /// The inode `component` names in the directory `parent` (ext2fs_lookup); `soFar` is the path up to
    /// it, `path` the one being resolved.
    func lookUp(_ component: String, in parent: Inode, soFar: String, for path: String) throws(AreaError) -> Inode {
        var number: ext2_ino_t = 0
        let code = component.withCString { ext2fs_lookup(fs, parent.number, $0, Int32(strlen($0)), nil, &number) }
        if code == EXT2_ET_FILE_NOT_FOUND {
            let detail = soFar == path ? "" : " (\(soFar) does not exist)"
            throw AreaError(
                path: name(of: path), operation: "cannot look up", errno: .noSuchFileOrDirectory, reason: "no such file inside the image\(detail)")
        }
        guard code == 0 else {
            var error = AreaError(path: name(of: path), operation: "cannot look up", ext2: code)
            error.reason = "\(soFar): \(error.reason)"
            throw error
        }
        return try inode(number, of: path)
    }

    /// A symbolic link's target: in i_block for a fast link (ext2fs_is_fast_symlink), else the
    /// link's data (a block, or inline data). `path` is the path being resolved, for errors.
    func readLink(_ link: Inode, path: String) throws(AreaError) -> String {
        var raw = link.raw
        let size = Int(min(link.size, UInt64(PATH_MAX)))
        if ext2fs_is_fast_symlink(&raw) != 0 {
            let bytes = withUnsafeBytes(of: &raw.i_block) { Array($0.prefix(size)) }
            return String(decoding: bytes, as: UTF8.self)
        }
        return String(decoding: try read(link, path: path, count: size), as: UTF8.self)
    }
}
