internal import CSwapInspectLinux
import SwapInspectCore
import SystemPackage

/// How physical blocks are found (`--mapper`).
public enum MapperChoice: String, Sendable, CaseIterable {
    /// FIEMAP, falling back to FIBMAP where FIEMAP is unsupported.
    case auto
    case fiemap
    case fibmap
}

enum ExtentMapper {
    /// Extents per FS_IOC_FIEMAP call: large batches keep a million-extent file to a few hundred calls.
    static let fiemapBatch: UInt32 = 8192

    /// Most extents reserved up front (32 bytes each): 4M, 128 MiB of address space, touched only as filled.
    static let maxReservedExtents = 1 << 22

    /// The file's extents through FS_IOC_FIEMAP, in batches until FIEMAP_EXTENT_LAST. `expected` is an upper
    /// bound on the count when one is known (the file's blocks): reserving it once avoids growing a
    /// million-element array by doubling, which touches twice the memory.
    static func fiemap(_ fd: FileDescriptor, sync: Bool, expected: UInt64 = 0) -> Result<[FileExtent], Errno> {
        var extents: [FileExtent] = []
        extents.reserveCapacity(Int(min(expected, UInt64(maxReservedExtents))))
        var buffer = [si_extent](repeating: si_extent(), count: Int(fiemapBatch))
        var start: UInt64 = 0
        var first = true
        while true {
            var mapped: UInt32 = 0
            // Sync only once: FIEMAP_FLAG_SYNC on the first call writes back the whole file.
            let doSync: Int32 = (sync && first) ? 1 : 0
            let result = buffer.withUnsafeMutableBufferPointer { pointer in
                syscall { si_fiemap(fd.rawValue, start, doSync, pointer.baseAddress, fiemapBatch, &mapped) }
            }
            if case .failure(let error) = result { return .failure(error) }
            first = false
            if mapped == 0 { break }
            var sawLast = false
            buffer.withUnsafeBufferPointer { batch in
                for raw in batch[0..<Int(mapped)] {
                    extents.append(FileExtent(logical: raw.logical, physical: raw.physical, length: raw.length, flags: flags(raw.flags)))
                    if raw.flags & si_fiemap_extent_last != 0 { sawLast = true }
                }
            }
            let tail = buffer[Int(mapped) - 1]
            if sawLast || tail.length == 0 { break }
            start = tail.logical + tail.length
        }
        return .success(extents)
    }

    /// FIEMAP_EXTENT_* bit → flag. Built once: this runs for every extent (a million for a fragmented file).
    static let flagTable: [(UInt32, ExtentFlags)] = [
        (si_fiemap_extent_unwritten, .unwritten), (si_fiemap_extent_shared, .shared),
        (si_fiemap_extent_data_inline, .inline), (si_fiemap_extent_delalloc, .delalloc),
        (si_fiemap_extent_unknown, .unknown), (si_fiemap_extent_encoded, .encoded),
        (si_fiemap_extent_data_encrypted, .encrypted), (si_fiemap_extent_not_aligned, .notAligned),
        (si_fiemap_extent_last, .last), (si_fiemap_extent_merged, .merged),
        (si_fiemap_extent_data_tail, .inline),
    ]

    static func flags(_ raw: UInt32) -> ExtentFlags {
        var flags: ExtentFlags = []
        // The common cases without the table: nothing, or only unwritten and/or last.
        if raw & ~(si_fiemap_extent_unwritten | si_fiemap_extent_last) == 0 {
            if raw & si_fiemap_extent_unwritten != 0 { flags.insert(.unwritten) }
            if raw & si_fiemap_extent_last != 0 { flags.insert(.last) }
            return flags
        }
        for (bit, flag) in flagTable where raw & bit != 0 { flags.insert(flag) }
        return flags
    }

    /// The file's extents through FIBMAP, one block at a time, merged into runs. FIBMAP needs
    /// CAP_SYS_RAWIO and cannot tell unwritten extents from written ones.
    static func fibmap(_ fd: FileDescriptor, size: UInt64, blockSize: UInt32) -> Result<[FileExtent], Errno> {
        var extents: [FileExtent] = []
        let block = UInt64(blockSize)
        let blocks = (size + block - 1) / block
        var logical: UInt64 = 0
        while logical < blocks {
            var physical: UInt64 = 0
            if case .failure(let error) = syscall({ si_fibmap(fd.rawValue, logical, &physical) }) {
                return .failure(error)
            }
            if physical != 0 {
                let byte = physical * block
                if let last = extents.last, last.logicalEnd == logical * block, last.physical + last.length == byte {
                    extents[extents.count - 1].length += block
                } else {
                    extents.append(FileExtent(logical: logical * block, physical: byte, length: block))
                }
            }
            logical += 1
        }
        return .success(extents)
    }
}
