import Foundation
import SwapInspectCore
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

/// `image --allow-kernel-mount` on btrfs images: the swap files made and activated on a read-write loop
/// mount (GroundTruth: online prediction == the kernel's swapon), then the file system unmounted and the
/// image audited through swapinspect's read-only kernel mount: the same verdict, the path inside the
/// image, the image's bytes and mtime untouched, and nothing left in the host's mount table or loop
/// devices, also when swapinspect is interrupted or killed mid-audit.
extension SwapInspectKernelTests {
    @Suite(
        "btrfs through --allow-kernel-mount against online and the kernel", .serialized,
        .enabled(if: BtrfsPrerequisites.shouldRun, Comment(rawValue: "btrfs tests skipped: \(BtrfsPrerequisites.missing.joined(separator: "; "))")))
    struct KernelMount {
        /// `image --json --allow-kernel-mount` of `image`: its status, reports and stderr.
        static func audit(_ image: String, _ extra: [String] = [], environment: [String: String] = [:]) throws
            -> (status: Int32, reports: [[String: Any]], stderr: String)
        {
            let arguments = ["image", "--json", "--allow-kernel-mount", "--page-size", "\(kernelTestPageSize)"] + extra + [image]
            let result = try BuiltBinary.run(arguments, environment: environment, timeout: 120)
            try expectValid(result.stdout)
            let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] ?? [:]
            return (result.status, document["reports"] as? [[String: Any]] ?? [], result.stderr)
        }

        /// The document is valid against docs/swapinspect.schema.json (the schema tests' validator).
        static func expectValid(_ json: Data, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let file = try TemporaryDirectory(prefix: "swapinspect-kmount-json", base: ScratchSpace.base)
            defer { file.remove() }
            try json.write(to: URL(fileURLWithPath: file.file("report.json")))
            let validator = PackageRoot.appending("Tests/SwapInspectCommandsTests/validate-json.py").path
            let schema = PackageRoot.appending("docs/swapinspect.schema.json").path
            let result = try Runner.run("/usr/bin/python3", [validator, schema, file.file("report.json")], timeout: 120)
            #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        }

        static func report(_ reports: [[String: Any]], path: String) -> [String: Any] {
            reports.first { $0["path"] as? String == path } ?? [:]
        }

        /// The kernel-mount report agrees with the online prediction and the kernel on everything the
        /// kernel shows; its kernel line names the path inside the image and the image as the device.
        static func expectSame(
            _ offline: [String: Any], _ online: Comparison, inside: String, device: String, loop: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(offline["path"] as? String == inside, sourceLocation: sourceLocation)
            #expect(offline["source"] as? String == "fiemap", sourceLocation: sourceLocation)
            let mount = (offline["image"] as? [String: Any])?["kernelMount"] as? [String: Any]
            #expect((mount?["options"] as? String)?.hasPrefix("ro,nodev,nosuid,noexec,rescue=nologreplay") == true, sourceLocation: sourceLocation)
            online.expectOfflineActivation(offline, sourceLocation: sourceLocation)
            let activation = offline["activation"] as? [String: Any] ?? [:]
            let kernelLine = online.kernel.addingLine ?? online.kernel.refusalMessages.first
            let offlineLine = (activation["kernelLog"] as? String)?
                .replacingOccurrences(of: " swap on \(inside).", with: " swap on \(online.facts.path).")
                .replacingOccurrences(of: "(device \(device))", with: "(device \(loop))")
            #expect(offlineLine == kernelLine, sourceLocation: sourceLocation)
            online.expectOfflineFindings(offline, sourceLocation: sourceLocation)
        }

        /// The image's checksum and mtime: the audit must change neither.
        static func fingerprint(_ path: String) throws -> String {
            let sum = try Tool.run("sha256sum", [path]).stdoutText.split(separator: " ").first.map(String.init) ?? ""
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return "\(sum) \((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }

        /// A mkswapfile file, a copy-on-write file and a compressed one: each as the kernel judged it on
        /// the read-write mount; then raw and as qcow2 through the kernel mount.
        @Test func filesAreJudgedAsOnTheReadWriteMount() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                try BtrfsFile.mkswapfile(filesystem.path("swapfile"), size: "16m")
                try SwapFile.dd(filesystem.path("cow"), mebibytes: 8)
                try SwapFile.mkswap(filesystem.path("cow"))
                try SwapFile.chmod600(filesystem.path("cow"))
                let compressed = filesystem.path("compressed")
                close(try SwapFile.create(compressed))
                try Tool.run("btrfs", ["property", "set", compressed, "compression", "zstd"])
                try Tool.run("dd", ["if=/dev/zero", "of=\(compressed)", "bs=1M", "count=8", "conv=notrunc", "status=none"])
                try SwapFile.mkswap(compressed)
                let names = ["swapfile", "cow", "compressed"]
                let online = try names.map { try GroundTruth.compare(filesystem.path($0)) }
                #expect(online.map(\.kernel.accepted) == [true, false, false])
                try filesystem.unmount()
                let before = try Self.fingerprint(filesystem.image)
                let leftovers = try Leftovers.snapshot(filesystem)
                let result = try Self.audit(filesystem.image, names.flatMap { ["--path", "/\($0)"] })
                #expect(result.status == 1, "\(result.stderr)")
                for (name, comparison) in zip(names, online) {
                    Self.expectSame(
                        Self.report(result.reports, path: "/\(name)"), comparison, inside: "/\(name)", device: filesystem.image,
                        loop: filesystem.deviceName)
                }
                #expect(try Self.fingerprint(filesystem.image) == before)
                #expect(try Leftovers.snapshot(filesystem) == leftovers)

                let qcow2 = filesystem.directory + "/image.qcow2"
                try Tool.run("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", filesystem.image, qcow2])
                let converted = try Self.audit(qcow2, names.flatMap { ["--path", "/\($0)"] })
                #expect(converted.status == 1, "\(converted.stderr)")
                for name in names {
                    #expect(
                        Self.comparable(Self.report(converted.reports, path: "/\(name)"), image: qcow2)
                            == Self.comparable(Self.report(result.reports, path: "/\(name)"), image: filesystem.image))
                }
                #expect(try Leftovers.snapshot(filesystem) == leftovers)
            }
        }

        /// A report without what differs between two forms of one disk: the image's name, format, access.
        static func comparable(_ report: [String: Any], image: String) -> NSDictionary {
            var report = report
            if var location = report["image"] as? [String: Any] {
                location["path"] = nil
                location["format"] = nil
                location["access"] = nil
                report["image"] = location
            }
            let data = (try? JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: image, with: "IMAGE")
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary) ?? [:]
        }

        /// A file in a subvolume that has a snapshot shares its extents: refused, as by the kernel.
        @Test func fileInASnapshottedSubvolumeIsRefused() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                try Tool.run("btrfs", ["subvolume", "create", filesystem.path("sv")])
                try BtrfsFile.mkswapfile(filesystem.path("sv/swapfile"), size: "16m")
                try Tool.run("btrfs", ["subvolume", "snapshot", filesystem.path("sv"), filesystem.path("snap")])
                let online = try GroundTruth.compare(filesystem.path("sv/swapfile"))
                #expect(!online.kernel.accepted)
                try filesystem.unmount()
                let result = try Self.audit(filesystem.image, ["--path", "/sv/swapfile"])
                #expect(result.status == 1, "\(result.stderr)")
                let offline = Self.report(result.reports, path: "/sv/swapfile")
                Self.expectSame(offline, online, inside: "/sv/swapfile", device: filesystem.image, loop: filesystem.deviceName)
                let codes = (offline["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(codes.contains("shared-extents"))
            }
        }

        /// Ubuntu's layout: the root in subvolume `@` (its /etc/fstab there), the swap file in `@swap`
        /// mounted on /swap by `subvol=@swap`: found through the fstab, in the subvolume it names.
        @Test func fstabSubvolumeSelectsTheSubvolume() throws {
            try BtrfsPrerequisites.require()
            try LoopFilesystem.with(.btrfs()) { filesystem in
                for name in ["@", "@swap"] { try Tool.run("btrfs", ["subvolume", "create", filesystem.path(name)]) }
                try FileManager.default.createDirectory(atPath: filesystem.path("@/etc"), withIntermediateDirectories: true)
                let uuid = try Tool.run("blkid", ["-o", "value", "-s", "UUID", try #require(filesystem.device)]).stdoutText
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let fstab = """
                    UUID=\(uuid) / btrfs subvol=@,compress=zstd 0 0
                    UUID=\(uuid) /swap btrfs subvol=@swap 0 0
                    /swap/swapfile none swap defaults 0 0

                    """
                try fstab.write(toFile: filesystem.path("@/etc/fstab"), atomically: false, encoding: .utf8)
                try BtrfsFile.mkswapfile(filesystem.path("@swap/swapfile"), size: "16m")
                // A file of the same name in the root subvolume, which the fstab does not mean.
                try SwapFile.dd(filesystem.path("@/swapfile"), mebibytes: 1)
                let online = try GroundTruth.compare(filesystem.path("@swap/swapfile"))
                #expect(online.kernel.accepted)
                try filesystem.unmount()
                let result = try Self.audit(filesystem.image)
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.reports.count == 1)
                let offline = Self.report(result.reports, path: "/swap/swapfile")
                Self.expectSame(offline, online, inside: "/swap/swapfile", device: filesystem.image, loop: filesystem.deviceName)
                let mount = (offline["image"] as? [String: Any])?["kernelMount"] as? [String: Any]
                #expect(mount?["subvolume"] as? String == "subvol=@swap")
                #expect((mount?["options"] as? String)?.hasSuffix(",subvol=@swap") == true)
                #expect((offline["notes"] as? [String] ?? []).contains("named by /etc/fstab line 3"))
            }
        }

        /// btrfs in partition 2 of a GPT disk: the loop device covers that partition's bytes only.
        @Test func partitionOfADiskImage() throws {
            try BtrfsPrerequisites.require()
            try KernelPrerequisites.require()
            let directory = try TemporaryDirectory(prefix: "swapinspect-kmount", base: ScratchSpace.base)
            defer { directory.remove() }
            let disk = directory.path + "/disk.img"
            try Tool.run("truncate", ["-s", "300M", disk])
            try Tool.run("sh", ["-c", "printf 'label: gpt\\nstart=2048, size=32768\\nstart=34816, size=262144\\n' | sfdisk -q \"$0\"", disk])
            let start: UInt64 = 34816 * 512
            let size: UInt64 = 262144 * 512
            let loop = try LoopDevice(file: disk, offset: start, sizeLimit: size)
            defer { _ = loop.detach() }
            // The kernel remembers scanned btrfs members: forget ours before the loop device goes.
            defer { _ = try? Tool.run("btrfs", ["device", "scan", "--forget", loop.path], check: false) }
            try Tool.run("mkfs.btrfs", ["-f", "-q", loop.path])
            let mountPoint = directory.path + "/mnt"
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
            let mount = try Mount(loop.path, at: mountPoint)
            defer { mount.release() }
            try BtrfsFile.mkswapfile(mountPoint + "/swapfile", size: "16m")
            let online = try GroundTruth.compare(mountPoint + "/swapfile")
            #expect(online.kernel.accepted)
            try mount.unmount()
            let result = try Self.audit(disk)
            #expect(result.status == 0, "\(result.stderr)")
            let offline = Self.report(result.reports, path: "/swapfile")
            Self.expectSame(offline, online, inside: "/swapfile", device: "\(disk):2", loop: loop.name)
            let location = offline["image"] as? [String: Any]
            #expect(location?["partition"] as? Int == 2)
            #expect((location?["offset"] as? NSNumber)?.uint64Value == start)
        }
    }
}
