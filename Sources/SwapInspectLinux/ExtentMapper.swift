internal import CSwapInspectLinux
import SwapInspectCore
import Glibc
import SystemPackage

/// A file's extents, and their tally gathered on the way.
struct MappedExtents {
    var extents: [FileExtent] = []
    var tally = ExtentTally()

    init() {}

    init(_ extents: [FileExtent]) {
        self.extents = extents
        tally = ExtentTally(extents)
    }

    @inline(__always)
    mutating func append(_ extent: FileExtent) {
        extents.append(extent)
        tally.add(extent)
    }
}

enum ExtentMapper {
    /// Extents per FS_IOC_FIEMAP call: large batches keep a million-extent file to a few hundred calls.
    static let fiemapBatch: UInt32 = 8192

    /// The file's extents through FS_IOC_FIEMAP, in batches until FIEMAP_EXTENT_LAST (`si_fiemap_walk`,
    /// which asks the kernel for the next batch while this converts and tallies the previous one).
    /// `expected` is an upper bound on the count when one is known (the file's blocks): reserving it once
    /// avoids growing a million-element array by doubling, which touches twice the memory.
    static func fiemap(_ fd: FileDescriptor, sync: Bool, expected: UInt64 = 0) throws(Errno) -> MappedExtents {
        var mapped = MappedExtents()
        mapped.extents.reserveCapacity(Int(min(expected, UInt64(FileExtent.maxReserved))))
        // Not through `syscall`: the walk retries EINTR per call itself, and must not restart.
        let status = withUnsafeMutablePointer(to: &mapped) { pointer in
            si_fiemap_walk(fd.rawValue, sync ? 1 : 0, fiemapBatch, appendBatch, pointer)
        }
        if status < 0 { throw Errno(rawValue: Glibc.errno) }
        return mapped
    }

    /// `si_fiemap_batch_fn`: appends a batch to the `MappedExtents` the context points at.
    private static let appendBatch: si_fiemap_batch_fn = { context, batch, count in
        guard let context, let batch else { return }
        let mapped = context.assumingMemoryBound(to: MappedExtents.self)
        for raw in UnsafeBufferPointer(start: batch, count: Int(count)) {
            mapped.pointee.append(FileExtent(logical: raw.logical, physical: raw.physical, length: raw.length, flags: flags(raw.flags)))
        }
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
    /// CAP_SYS_RAWIO and answers 0 for unwritten (preallocated) blocks as for holes. Holes are skipped with
    /// SEEK_DATA where the file system supports it, so a huge sparse file costs its data, not its size.
    static func fibmap(_ fd: FileDescriptor, size: UInt64, blockSize: UInt32) throws(Errno) -> [FileExtent] {
        var extents: [FileExtent] = []
        let block = UInt64(blockSize)
        let blocks = (size + block - 1) / block
        var logical: UInt64 = 0
        while logical < blocks {
            var physical: UInt64 = 0
            try syscall { si_fibmap(fd.rawValue, logical, &physical) }
            if physical != 0 {
                let byte = physical * block
                if let last = extents.last, last.logicalEnd == logical * block, last.physical + last.length == byte {
                    extents[extents.count - 1].length += block
                } else {
                    extents.append(FileExtent(logical: logical * block, physical: byte, length: block))
                }
                logical += 1
                continue
            }
            // A hole (or an unwritten block, which FIBMAP also answers with 0): ask where data resumes.
            var next: UInt64 = 0
            do {
                try syscall { si_seek_data(fd.rawValue, (logical + 1) * block, &next) }
                logical = max(logical + 1, next / block)
            } catch .noSuchAddressOrDevice {
                logical = blocks  // no data after it
            } catch {
                logical += 1  // SEEK_DATA unsupported: the next block, as the kernel would
            }
        }
        return extents
    }

    /// Errnos with which FIEMAP says it is not supported here (`--mapper auto` then tries FIBMAP).
    static let fiemapUnsupported: Set<Errno> = [.notSupported, .noFunction, .inappropriateIOCTLForDevice, .invalidArgument]

    /// The note every FIBMAP answer comes with.
    static let fibmapNote = "FIBMAP answers 0 for unwritten (preallocated) blocks as for holes: both show as holes here"

    /// The file's extents as `--mapper` asks: FIEMAP, falling back to FIBMAP (`auto`) only where FIEMAP
    /// is unsupported; the source used, and notes on what it cannot tell.
    static func map(
        _ fd: FileDescriptor, path: String, size: UInt64, blockSize: UInt32, options: LiveOptions
    ) throws(AreaError) -> (MappedExtents, ExtentSource, [String]) {
        if options.mapper != .fibmap {
            // At most one extent per block, plus one for blocks preallocated past the end of the file.
            let expected = blockSize > 0 ? size / UInt64(blockSize) + 1 : 0
            do {
                return (try fiemap(fd, sync: options.sync, expected: expected), .fiemap, [])
            } catch {
                if options.mapper == .fiemap || !fiemapUnsupported.contains(error) {
                    throw AreaError(path: path, operation: "FIEMAP failed", errno: error)
                }
            }
        }
        guard blockSize > 0 else {
            throw AreaError(path: path, operation: "FIBMAP failed", reason: "the file system reports no block size")
        }
        do {
            return (MappedExtents(try fibmap(fd, size: size, blockSize: blockSize)), .fibmap, [fibmapNote])
        } catch .notPermitted {
            throw AreaError(path: path, operation: "FIBMAP failed", errno: .notPermitted, reason: "FIBMAP needs CAP_SYS_RAWIO: run as root")
        } catch {
            throw AreaError(path: path, operation: "FIBMAP failed", errno: error)
        }
    }
}
