import Foundation
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

@testable import SwapInspectCommands

/// The one line `inspect` and `list` add: only where hibernation is configured at all.
@Suite("the hibernate line of inspect and list")
struct HibernationSummaryTests {
    @Test("configured: ready, or not ready with the first reason; not configured: nothing")
    func summaryLine() throws {
        let system = try HibernationSystem.make(.debian)
        defer { system.dir.remove() }
        #expect(Hibernate.summaryLine(pageSize: 4096, system: SystemRoot(system.root)) == "hibernate ready")
        try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet \(system.resume)0\"\n")
        let line = try #require(Hibernate.summaryLine(pageSize: 4096, system: SystemRoot(system.root)))
        #expect(line.hasPrefix("hibernate not ready: resume-offset-mismatch: the next boot's resume_offset=\(system.offset)0 "), "\(line)")
        // Nothing about resume anywhere: silent.
        try system.write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")
        try system.boot(cmdline: "BOOT_IMAGE=/vmlinuz ro quiet")
        #expect(Hibernate.summaryLine(pageSize: 4096, system: SystemRoot(system.root)) == nil)
    }
}
