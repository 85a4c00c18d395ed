import Foundation
import SwapInspectTestSupport
import Testing

/// Hibernation against a real hibernating kernel (issue #17). This machine's kernel has none; the guest's
/// has CONFIG_HIBERNATION=y. Six boots of one ext4 disk:
///   1. hib-prepare: hib.swap (128 MiB) and old.swap on ext4; `inspect` gives resumeOffset R of hib.swap
///      (its prediction compared with swapon like the FAT cases) and S of old.swap, which is then removed
///      (S is a stale offset: the swap file it belonged to is gone).
///   2. hibernate with resume=/dev/vda resume_offset=R: with S in /sys/power/resume_offset the kernel
///      refuses to hibernate (no active swap area starts there); with R it writes the image and powers off.
///   3. resume with R: the saved system comes back — the marker in its tmpfs and its boot id survive.
///   4. hibernate with R again.
///   5. resume with S: the kernel finds no image there; a fresh boot (new boot id, no marker).
///   6. resume with R: the image of boot 4 was intact all along, it resumes.
/// The guest's init triggers the resume as initramfs-tools does (Tests/VM/lib.sh vm_trigger_resume).
extension SwapInspectVMTests {
    @Suite struct HibernationGuestTests {
        @Test func resumeOffsetDecidesTheResume() throws {
            try VMPrerequisites.require()
            let scratch = try TemporaryDirectory(prefix: "swapinspect-vm-hibernate")
            defer { scratch.remove() }
            let guest = Guest(disks: [try VMScript.disk("ext4", in: scratch)], logDirectory: try logDirectory())

            let (good, stale) = try prepare(guest)
            let resume = ["resume=/dev/vda", "resume_offset=\(good)"]

            let first = try hibernate(guest, name: "hibernate-1", resume + ["vm.stale_offset=\(stale)"])
            try expectResumed(guest.boot(name: "resume-1", plan: "resume", extra: resume), into: first)

            let second = try hibernate(guest, name: "hibernate-2", resume)
            let staleBoot = try guest.boot(name: "resume-stale", plan: "resume", extra: ["resume=/dev/vda", "resume_offset=\(stale)"])
            try expectFreshBoot(staleBoot, notInto: second)
            try expectResumed(guest.boot(name: "resume-2", plan: "resume", extra: resume), into: second)
            try hookVerdicts(first: first.log, stale: staleBoot.log)
        }

        /// A swap file whose header is not at a page boundary of the disk (ext4 with 1 KiB blocks): the
        /// kernel's first swap extent starts one page later (resumeOffset = userspaceResumeOffset + 1), and
        /// the kernel cannot hibernate into it with either offset — with the kernel's, mark_swapfiles finds
        /// no swap header at swsusp_resume_block; with the header's page, no active area starts there.
        /// (Plain swapping works: the kernel's prediction is compared as everywhere.)
        @Test func misalignedSwapHeaderCannotHibernate() throws {
            try VMPrerequisites.require()
            let scratch = try TemporaryDirectory(prefix: "swapinspect-vm-misaligned")
            defer { scratch.remove() }
            let boot = try Guest(disks: [try VMScript.disk("ext4-1k", in: scratch)], logDirectory: try logDirectory()).boot(name: "hib-misaligned", plan: "hib-misaligned")
            try #require(boot.log.marker("done plan=hib-misaligned") != nil && boot.log.failedSteps.isEmpty,
                         "hib-misaligned did not finish (did it hibernate?): \(boot.log.failedSteps) \(boot.log.tail)")
            let swapCase = try SwapCase("ext4-1k-hib", in: boot.log)
            #expect(swapCase.mismatches().isEmpty, "\(swapCase.mismatches())")
            #expect(swapCase.swaponStatus == 0 && swapCase.blockSize == 1024)
            let offsets = SerialLog.fields(try #require(boot.log.record("misaligned.offsets")))
            let kernel = try #require(offsets["kernel"].flatMap { Int($0) }, "\(offsets)")
            let userspace = try #require(offsets["userspace"].flatMap { Int($0) }, "\(offsets)")
            try #require(kernel == userspace + 1, "the swap header is page-aligned after all: \(offsets)")
            #expect(boot.log.record("misaligned.kernel") == "refused sh: write error: No such device")
            #expect(boot.log.lines("misaligned.kernel-dmesg").contains("PM: Swap header not found!"), "\(boot.log.lines("misaligned.kernel-dmesg"))")
            #expect(boot.log.record("misaligned.userspace") == "refused sh: write error: No such device")
            #expect(boot.log.lines("misaligned.userspace-dmesg").contains("PM: Cannot find swap device, try swapon -a"),
                    "\(boot.log.lines("misaligned.userspace-dmesg"))")
        }

        /// Boot 1: the offsets inspect computes, R for hib.swap and the stale S.
        func prepare(_ guest: Guest) throws -> (good: Int, stale: Int) {
            let boot = try guest.boot(name: "hib-prepare", plan: "hib-prepare")
            try #require(boot.log.marker("done plan=hib-prepare") != nil && boot.log.failedSteps.isEmpty,
                         "hib-prepare did not finish: \(boot.log.failedSteps) \(boot.log.tail)")
            let hib = try SwapCase("ext4-hib", in: boot.log)
            #expect(hib.mismatches().isEmpty, "\(hib.mismatches())")
            #expect(hib.swaponStatus == 0, "the kernel refused hib.swap: \(hib.kernelLog)")
            let oldJSON = try #require(boot.log.record("ext4-old.inspect"))
            let old = try JSONSerialization.jsonObject(with: Data(oldJSON.utf8)) as? [String: Any]
            let stale = try #require((old?["reports"] as? [[String: Any]])?.first?["resumeOffset"] as? Int)
            let good = try #require(hib.resumeOffset, "inspect gave hib.swap no resumeOffset")
            try #require(good != stale, "old.swap and hib.swap start at the same page \(good)")
            print("HibernationGuestTests: resume_offset of hib.swap \(good), stale offset (old.swap) \(stale)")
            return (good, stale)
        }

        /// A boot of plan hibernate: it must end powered off by the hibernation (no "done", no "after"),
        /// with the marker written; with vm.stale_offset, the kernel's refusal of that offset first.
        func hibernate(_ guest: Guest, name: String, _ extra: [String]) throws -> Guest.Boot {
            let boot = try guest.boot(name: name, plan: "hibernate", extra: extra)
            try #require(!boot.timedOut && boot.status == 0, "\(name): qemu \(boot.status): \(boot.log.tail)")
            try #require(boot.log.record("hibernate.before") != nil, "\(name): no marker written: \(boot.log.tail)")
            #expect(boot.log.record("hibernate.failed") == nil,
                    "\(name): the kernel did not hibernate: \(boot.log.record("hibernate.failed") ?? "") \(boot.log.lines("hibernate.failed-dmesg"))")
            #expect(boot.log.marker("done plan=") == nil && boot.log.record("hibernate.after") == nil,
                    "\(name): the guest went on running instead of powering off: \(boot.log.tail)")
            if extra.contains(where: { $0.hasPrefix("vm.stale_offset=") }) {
                let verdict = boot.log.record("hibernate.stale") ?? "no record"
                #expect(verdict.hasPrefix("refused") && verdict.hasSuffix("No such device"),
                        "\(name): hibernating with the stale offset: \(verdict)")
                #expect(boot.log.lines("hibernate.stale-dmesg").contains("PM: Cannot find swap device, try swapon -a"))
            }
            return boot
        }

        /// The boot after `hibernated` resumed it: the hibernated system's step goes on, with its marker
        /// and its boot id, not this boot's.
        func expectResumed(_ boot: Guest.Boot, into hibernated: Guest.Boot) throws {
            let before = SerialLog.fields(try #require(hibernated.log.record("hibernate.before")))
            let after = try #require(boot.log.record("hibernate.after"), "no resume: \(boot.log.record("fresh") ?? "") \(boot.log.tail)")
            let fields = SerialLog.fields(after)
            #expect(fields["token"] == before["token"], "the marker did not survive: \(after) vs \(before)")
            #expect(fields["bootid"] == before["bootid"], "resumed into another system: \(after) vs \(before)")
            #expect(boot.log.initBootID != before["bootid"], "the boot ids of the two boots are the same")
            #expect(boot.log.record("fresh") == nil)
            #expect(boot.log.marker("done plan=hibernate") != nil, "the resumed system did not finish its plan: \(boot.log.tail)")
        }

        /// The boot with the stale offset: no resume, a fresh system without the marker.
        func expectFreshBoot(_ boot: Guest.Boot, notInto hibernated: Guest.Boot) throws {
            let fresh = SerialLog.fields(try #require(boot.log.record("fresh"), "not a fresh boot: \(boot.log.tail)"))
            let before = SerialLog.fields(try #require(hibernated.log.record("hibernate.before")))
            #expect(fresh["marker"] == "absent")
            #expect(fresh["bootid"] != before["bootid"] && fresh["bootid"] == boot.log.initBootID)
            #expect(boot.log.record("hibernate.after") == nil)
            #expect(boot.log.lines("fresh.dmesg").contains("PM: Image not found (code -22)"), "\(boot.log.lines("fresh.dmesg"))")
            #expect(boot.log.marker("done plan=resume") != nil)
        }

        /// `swapinspect hibernate PATH --json` in the guest (issue #17 item 1): hibernate-hook (ready setup,
        /// boot 2, whose hibernation then succeeds) must say ready with exit 0; stale-hook (the stale
        /// resume_offset= of boot 5, from which the kernel indeed finds no image) must say not ready with
        /// exit 1 and resume-offset-mismatch. A missing record (no such command, a failed step) fails.
        func hookVerdicts(first: SerialLog, stale: SerialLog) throws {
            let ready = try hibernateVerdict(first, key: "hibernate-ready")
            #expect(ready.rc == "0", "hibernate-ready: exit \(ready.rc): \(ready.stderr) \(ready.json)")
            #expect(ready.hibernation["ready"] as? Bool == true, "hibernate-ready: \(ready.json)")
            // The kernel refuses to hibernate with the stale offset in boot 2 (hibernate(), hibernate.stale); the tool
            // must say so for the same /sys/power/resume_offset, and in the boot that did not resume from it (the
            // kernel found no image there: expectFreshBoot).
            try expectStaleVerdict(try hibernateVerdict(first, key: "hibernate-stale-sysfs"), key: "hibernate-stale-sysfs")
            try expectStaleVerdict(try hibernateVerdict(stale, key: "hibernate-stale"), key: "hibernate-stale")
        }

        func expectStaleVerdict(_ notReady: (rc: String, json: String, stderr: String, hibernation: [String: Any]), key: String) throws {
            #expect(notReady.rc == "1", "\(key): exit \(notReady.rc): \(notReady.stderr) \(notReady.json)")
            #expect(notReady.hibernation["ready"] as? Bool == false, "\(key): \(notReady.json)")
            let codes = (notReady.hibernation["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(codes.contains("resume-offset-mismatch"), "\(key): findings \(codes): \(notReady.json)")
        }

        func hibernateVerdict(_ log: SerialLog, key: String) throws -> (rc: String, json: String, stderr: String, hibernation: [String: Any]) {
            let stderr = log.record("\(key).stderr") ?? ""
            let rc = try #require(log.record("\(key).rc"), "\(key): the hook did not run: \(log.failedSteps) \(log.tail)")
            let json = try #require(log.record("\(key).json"), "\(key): exit \(rc), no JSON: \(stderr)")
            let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let hibernation = try #require(document?["hibernation"] as? [String: Any], "\(key): \(json)")
            return (rc, json, stderr, hibernation)
        }
    }
}
