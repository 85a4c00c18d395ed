import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

extension SwapInspectKernelTests {
    /// `UUID=`, `LABEL=` and `PARTUUID=`-style names, as swapon(8) takes them, resolved by libblkid to a
    /// real loop device that carries a swap signature made by mkswap.
    @Suite("UUID= and LABEL= names of a swap device", .serialized)
    struct TagSpecs {
        /// A 16 MiB swap area on a loop device, with a UUID and a label no other device has.
        static func withSwapDevice(_ body: (_ device: String, _ uuid: String, _ label: String) throws -> Void) throws {
            try KernelPrerequisites.require()
            let directory = try TemporaryDirectory(prefix: "swapinspect-tags", base: ScratchSpace.base)
            defer { directory.remove() }
            let image = directory.path + "/swap.img"
            let uuid = UUID().uuidString.lowercased()
            let label = "si-" + String(uuid.prefix(8))
            try SwapFile.dd(image, mebibytes: 16)
            try Tool.run("mkswap", ["-U", uuid, "-L", label, image])
            let loop = try LoopDevice(file: image)
            defer { _ = loop.detach() }
            try body(loop.path, uuid, label)
        }

        static func report(_ arguments: [String]) throws -> (status: Int32, report: [String: Any]) {
            let result = try BuiltBinary.run(arguments)
            let document = try result.json()
            let key = arguments.first == "probe" ? "probes" : "reports"
            let report = try #require((document[key] as? [[String: Any]])?.first, "\(result)")
            return (result.status, report)
        }

        @Test func inspectAndProbeResolveUUIDAndLabelToTheDevice() throws {
            try Self.withSwapDevice { device, uuid, label in
                let cache = "/run/blkid/blkid.tab"
                let cacheBefore = try? FileManager.default.attributesOfItem(atPath: cache)[.modificationDate] as? Date
                for spec in ["UUID=\(uuid)", "LABEL=\(label)", "LABEL=\"\(label)\""] {
                    let inspected = try Self.report(["inspect", "--json", spec])
                    #expect(inspected.status == 0, "\(spec): \(inspected.report)")
                    #expect(inspected.report["path"] as? String == device)
                    #expect(inspected.report["spec"] as? String == spec)
                    let header = inspected.report["header"] as? [String: Any]
                    #expect(header?["uuid"] as? String == uuid)
                    let probed = try Self.report(["probe", "--json", spec])
                    #expect(probed.report["path"] as? String == device)
                    #expect(probed.report["spec"] as? String == spec)
                }
                let text = try BuiltBinary.run(["UUID=\(uuid)"])
                #expect(text.status == 0)
                #expect(text.stdoutText.hasPrefix("\(device): would activate"), "\(text)")
                #expect(text.stdoutText.contains("  spec "), "\(text)")
                let cacheAfter = try? FileManager.default.attributesOfItem(atPath: cache)[.modificationDate] as? Date
                #expect(cacheBefore == cacheAfter, "the blkid cache was written")
            }
        }

        @Test func activateAndDeactivateTakeTheTagAsSwaponDoes() throws {
            try Self.withSwapDevice { device, uuid, label in
                let dryRun = try BuiltBinary.run(["activate", "--dry-run", "--json", "UUID=\(uuid)"])
                #expect(dryRun.status == 0, "\(dryRun)")
                let action = try #require(try dryRun.json()["action"] as? [String: Any])
                #expect(action["path"] as? String == device)
                defer { _ = ActiveSwaps.swapoff(device) }
                let activated = try BuiltBinary.run(["activate", "LABEL=\(label)"])
                #expect(activated.status == 0, "\(activated)")
                #expect(try activeSwaps().contains { $0.name == device })
                let deactivated = try BuiltBinary.run(["deactivate", "UUID=\(uuid)"])
                #expect(deactivated.status == 0, "\(deactivated)")
                #expect(try !activeSwaps().contains { $0.name == device })
            }
        }

        @Test func aTagNoDeviceCarriesIsOneErrorLineAndExitTwo() throws {
            try KernelPrerequisites.require()
            let missing = "UUID=\(UUID().uuidString.lowercased())"
            for command in [["inspect"], ["probe"], ["activate", "--dry-run"], ["deactivate"]] {
                let result = try BuiltBinary.run(command + [missing])
                #expect(result.status == 2, "\(command): \(result)")
                #expect(result.stderrLines == ["swapinspect: \(missing): cannot resolve: no device has \(missing) (libblkid)"], "\(command): \(result.stderr)")
            }
        }
    }
}
