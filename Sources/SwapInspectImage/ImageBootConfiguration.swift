internal import CExt2fs
import SwapInspectCore

/// The image's own boot configuration (GRUB defaults, BLS entries, /etc/kernel/cmdline, the initramfs
/// generators'), read through libext2fs, and checked for hibernating into a swap file of its
/// /etc/fstab: a golden image whose resume_offset does not match its swap file is found before it is
/// deployed.
extension ImageAuditRun {
    /// Most bytes of one configuration file read.
    static let bootFileLimit = 1 << 20

    /// The checked hibernation set-up for `report`'s swap file, its findings added to the report's.
    func attachHibernation(_ report: inout Report, filesystem: ExtFilesystem, uuid: String?, device: String) {
        guard report.resumeOffset != nil else { return }
        let boot = Self.bootFiles(filesystem)
        guard !boot.isEmpty else { return }
        var area = HibernationArea(path: report.facts.path)
        area.kind = .file
        area.devicePath = device
        area.deviceUUID = uuid
        area.offsetKernel = report.resumeOffset
        area.offsetSystemd = report.userspaceResumeOffset
        if let first = report.facts.extents.first, first.logical == 0, let blockSize = report.facts.filesystem?.blockSize {
            area.offsetFilefrag = first.physical / UInt64(blockSize)
        }
        let verdict = HibernationCheck.offline(boot: boot, area: area)
        guard NextBoot.sources(boot).contains(where: { $0.cmdline.mentionsResume }) || !verdict.findings.isEmpty else { return }
        report.findings += verdict.findings
        report.hibernation = verdict
    }

    static func bootFiles(_ filesystem: ExtFilesystem) -> BootFiles {
        BootFiles.gather(
            read: { path in
                guard let resolved = try? filesystem.resolve(path), resolved.inode.isRegular,
                    let bytes = try? filesystem.read(resolved.inode, path: path, count: bootFileLimit)
                else { return nil }
                return String(decoding: bytes, as: UTF8.self)
            }, list: { filesystem.directoryNames($0) })
    }
}

extension ExtFilesystem {
    /// The names in a directory of the image (ext2fs_dir_iterate2), `.` and `..` left out; nil when it
    /// is no directory.
    func directoryNames(_ path: String) -> [String]? {
        guard let resolved = try? resolve(path), resolved.inode.isDirectory else { return nil }
        final class Names { var list: [String] = [] }
        let names = Names()
        let code = withExtendedLifetime(names) {
            ext2fs_dir_iterate2(
                fs, resolved.inode.number, 0, nil,
                { _, _, entry, _, _, _, context in
                    guard let entry, let context else { return 0 }
                    let length = Int(entry.pointee.name_len & 0xff)
                    let name = withUnsafeBytes(of: entry.pointee.name) { raw in
                        String(decoding: raw.prefix(length), as: UTF8.self)
                    }
                    if name != "." && name != ".." {
                        Unmanaged<Names>.fromOpaque(context).takeUnretainedValue().list.append(name)
                    }
                    return 0
                }, Unmanaged.passUnretained(names).toOpaque())
        }
        return code == 0 ? names.list : nil
    }
}
