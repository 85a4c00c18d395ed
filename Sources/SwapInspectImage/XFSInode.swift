import Glibc
import SwapInspectCore

extension XFSDatabase {
    /// The inode core fields the audit looks at (`print core`, `print v3`).
    struct Inode {
        var number: UInt64
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var size: UInt64
        var blocks: UInt64
        var immutable: Bool
        var appendOnly: Bool
        var realtime: Bool
        /// di_flags2 XFS_DIFLAG2_REFLINK: extents may be shared; only then does XFS look them up.
        var reflink: Bool

        var fileType: UInt32 { mode & UInt32(S_IFMT) }
        var isRegular: Bool { fileType == UInt32(S_IFREG) }
        var isSymlink: Bool { fileType == UInt32(S_IFLNK) }
        var typeDescription: String { fileTypeDescription(mode) }
        var openFacts: OpenFacts { OpenFacts(immutable: immutable, appendOnly: appendOnly) }
    }

    /// A path looked up, with the symbolic links followed on the way (`swapon` follows them too).
    struct Resolved {
        var inode: Inode
        var canonical: String
        var links: [String]
    }

    /// Most symbolic links followed for one path (the kernel's MAXSYMLINKS).
    static let maxLinks = 40

    /// xfs_db's `path` walks directories but follows no link: a link met at the end is read and
    /// followed here (relative targets from the link's directory).
    func resolve(_ path: String) throws(AreaError) -> Resolved {
        var current = path
        var links: [String] = []
        while true {
            let inode = try lookup(current, asked: path)
            guard inode.isSymlink else { return Resolved(inode: inode, canonical: current, links: links) }
            guard links.count < Self.maxLinks else {
                throw AreaError(path: AreaError.path(path, inside: name), operation: "cannot look up", reason: "too many levels of symbolic links")
            }
            let target = try symlinkTarget(current, asked: path)
            links.append("\(current) -> \(target)")
            current = target.hasPrefix("/") ? target : String(current[...current.lastIndex(of: "/")!]) + target
        }
    }

    func lookup(_ path: String, asked: String) throws(AreaError) -> Inode {
        let inside = AreaError.path(asked, inside: name)
        guard !path.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" }) else {
            throw AreaError(path: inside, operation: "cannot look up", reason: "xfs_db's path command takes no white space in names")
        }
        let lines = try run(["path \(path)", "inode", "print core", "print v3"])
        if let failure = lines.first(where: { $0.hasPrefix("\(path): ") }) {
            let reason = failure.dropFirst(path.count + 2)
            throw AreaError(
                path: inside, operation: "cannot look up",
                reason: reason == "No such file or directory" ? "no such file inside the image" : String(reason))
        }
        let values = fields(lines)
        let number = lines.lazy.compactMap { line -> UInt64? in
            guard line.hasPrefix("current inode number is ") else { return nil }
            return UInt64(line.dropFirst("current inode number is ".count))
        }.first
        guard let number, let mode = values["core.mode"].flatMap({ UInt32($0, radix: 8) }),
            let size = values["core.size"].flatMap({ UInt64($0) })
        else { throw AreaError(path: inside, operation: "cannot read its inode (xfs_db)", reason: "no inode core printed") }
        func flag(_ key: String) -> Bool { values[key] == "1" }
        return Inode(
            number: number, mode: mode, uid: values["core.uid"].flatMap { UInt32($0) } ?? 0,
            gid: values["core.gid"].flatMap { UInt32($0) } ?? 0, size: size,
            blocks: values["core.nblocks"].flatMap { UInt64($0) } ?? 0, immutable: flag("core.immutable"),
            appendOnly: flag("core.append"), realtime: flag("core.realtime"), reflink: flag("v3.reflink"))
    }

    /// A local (short) symbolic link's target: `u3.symlink` (v5) or `u.symlink` (v4).
    func symlinkTarget(_ path: String, asked: String) throws(AreaError) -> String {
        for field in ["u3.symlink", "u.symlink"] {
            let values = fields(try run(["path \(path)", "print \(field)"]))
            if let target = values[field].map({ $0.trimmingCharacters(of: "\"") }), !target.isEmpty { return target }
        }
        throw AreaError(
            path: AreaError.path(asked, inside: name), operation: "cannot look up",
            reason: "the symbolic link \(path) is stored in blocks (a long target), which xfs_db does not print")
    }

    /// One mapping of the data fork as `bmap -d` prints it.
    struct Mapping {
        var logicalBlock: UInt64
        var ag: UInt64
        var agBlock: UInt64
        var blocks: UInt64
        var unwritten: Bool
    }

    /// `data offset 0 startblock 24 (0/24) count 4096 flag 0`: the data fork in file order.
    func mappings(_ path: String, asked: String) throws(AreaError) -> [Mapping] {
        var result: [Mapping] = []
        for line in try run(["path \(path)", "bmap -d"]) where line.hasPrefix("data offset ") {
            let words = line.split(separator: " ")
            guard words.count >= 10, let logical = UInt64(words[2]), let count = UInt64(words[7]), let flag = UInt64(words[9]) else {
                throw AreaError(path: AreaError.path(asked, inside: name), operation: "cannot read its extents (xfs_db)", reason: "unparsable line: \(line)")
            }
            let location = words[5].dropFirst().dropLast().split(separator: "/")
            guard location.count == 2, let ag = UInt64(location[0]), let block = UInt64(location[1]) else {
                throw AreaError(path: AreaError.path(asked, inside: name), operation: "cannot read its extents (xfs_db)", reason: "unparsable line: \(line)")
            }
            result.append(Mapping(logicalBlock: logical, ag: ag, agBlock: block, blocks: count, unwritten: flag != 0))
        }
        return result
    }

    /// Per allocation group, the block ranges whose refcount is 2 or more (`btdump` of each AG's
    /// refcount btree leaves; CoW staging records are nobody's data yet).
    func sharedRanges() throws(AreaError) -> [UInt64: [Range<UInt64>]] {
        var shared: [UInt64: [Range<UInt64>]] = [:]
        for ag in 0..<agCount {
            var inLeaf = false
            for line in try run(["agf \(ag)", "addr refcntroot", "btdump"]) {
                if line.hasPrefix("refcntbt level") { inLeaf = line.hasPrefix("refcntbt level 0 ") ; continue }
                guard inLeaf, let colon = line.firstIndex(of: ":"), line[line.index(after: colon)...].hasPrefix("[") else { continue }
                let numbers = line[line.index(colon, offsetBy: 2)...].dropLast().split(separator: ",").compactMap { UInt64($0) }
                guard numbers.count >= 3, numbers[2] >= 2, numbers.count < 4 || numbers[3] == 0 else { continue }
                shared[UInt64(ag), default: []].append(numbers[0]..<(numbers[0] + numbers[1]))
            }
        }
        return shared
    }
}
