import SwapInspectCore
import Testing

/// `activate --if-needed`: an active area against the request; the discard letters of the kernel's
/// `Adding` line; the swap options of fstab entries as `swapon -a` reads them; MemAvailable.
@Suite("desired state")
struct DesiredStateTests {
    static let active = ProcSwapsEntry(name: "/swapfile", type: "file", sizeKiB: 65532, usedKiB: 0, priority: -2)

    /// The letters exactly as `swapon` (mm/swapfile.c) appends them: `SS` for SWP_SOLIDSTATE, then
    /// `D`, `s`, `c`; with no flag the kernel leaves a trailing space, which may or may not be trimmed.
    @Test(arguments: [
        ("across:65532k ", DesiredState.ActiveDiscard.logged(nil)),
        ("across:65532k", .logged(nil)),
        ("across:65532k SS", .logged(nil)),
        ("across:65532k Dsc", .logged(.all)),
        ("across:65532k SSDsc", .logged(.all)),
        ("across:65532k SSDs", .logged(.once)),
        ("across:65532k Dc ", .logged(.pages)),
        ("across:65532k D", .unknown),
        ("extents:1", .unknown),
    ])
    func discardLettersOfTheAddingLine(tail: String, expected: DesiredState.ActiveDiscard) {
        let line = "Adding 65532k swap on /swap across:1k file.  Priority:-2 extents:1 " + tail
        #expect(DesiredState.discard(ofAddingLine: line) == expected, "\(line)")
    }

    @Test func theLastAddingLineOfTheAreaIsItsCurrentActivation() {
        let messages = [
            "Adding 65532k swap on /swapfile.  Priority:-2 extents:1 across:65532k Dsc",
            "Adding 65532k swap on /swapfile2.  Priority:-2 extents:1 across:65532k",
            "Adding 65532k swap on /swapfile.  Priority:-2 extents:1 across:65532k Ds",
            "Adding 65532k swap on /swapfile.  Priority:5 extents:1 across:65532k",
        ]
        let line = DesiredState.lastAddingLine(in: messages, name: "/swapfile", sizeKiB: 65532, priority: -2)
        #expect(line == messages[2])
        #expect(DesiredState.lastAddingLine(in: messages, name: "/swapfile", sizeKiB: 4, priority: -2) == nil)
        #expect(DesiredState.lastAddingLine(in: messages, name: "/swap", sizeKiB: 65532, priority: -2) == nil)
    }

    @Test func equalSettingsAreNoDrift() {
        let (drift, notes) = DesiredState.compare(
            active: Self.active, discard: .logged(.once), requested: SwapFlags(priority: nil, discard: .once), deviceSupportsDiscard: true)
        #expect(drift.isEmpty)
        #expect(notes.isEmpty)
        let unasked = DesiredState.compare(active: Self.active, discard: .unknown, requested: SwapFlags(), deviceSupportsDiscard: true)
        #expect(unasked.drift.isEmpty && unasked.notes.isEmpty, "what is not asked for is not compared")
    }

    @Test func eachDifferingSettingIsNamed() {
        let (drift, _) = DesiredState.compare(
            active: Self.active, discard: .logged(nil), requested: SwapFlags(priority: 5, discard: .pages), deviceSupportsDiscard: true)
        #expect(drift == [
            DesiredState.Drift(setting: "priority", active: "-2", requested: "5"),
            DesiredState.Drift(setting: "discard", active: "none", requested: "pages"),
        ])
    }

    @Test func anUnknownOrMootDiscardPolicyIsANoteNotDrift() {
        let unknown = DesiredState.compare(
            active: Self.active, discard: .unknown, requested: SwapFlags(discard: .all), deviceSupportsDiscard: true)
        #expect(unknown.drift.isEmpty)
        #expect(unknown.notes.count == 1 && unknown.notes[0].contains("does not expose"), "\(unknown.notes)")
        let moot = DesiredState.compare(
            active: Self.active, discard: .logged(nil), requested: SwapFlags(discard: .all), deviceSupportsDiscard: false)
        #expect(moot.drift.isEmpty)
        #expect(moot.notes.count == 1 && moot.notes[0].contains("does not support discard"), "\(moot.notes)")
    }

    @Test(arguments: [
        ("defaults", SwapFlags()),
        ("pri=7", SwapFlags(priority: 7)),
        ("pri=-1", SwapFlags()),
        ("pri=99999", SwapFlags(priority: 32767)),
        ("discard", SwapFlags(discard: .all)),
        ("nofail,discard=once,pri=3", SwapFlags(priority: 3, discard: .once)),
        ("discard=pages", SwapFlags(discard: .pages)),
        ("discard=whatever", SwapFlags(discard: .all)),
    ])
    func fstabOptionsBecomeSwaponFlags(options: String, expected: SwapFlags) throws {
        let entry = try #require(FstabParser.parse("/swapfile none swap \(options) 0 0\n").entries.first)
        #expect(entry.swapFlags == expected)
        #expect(entry.nofail == options.contains("nofail"))
    }

    @Test func memAvailable() {
        let text = "MemTotal:       32857600 kB\nMemFree:         1000 kB\nMemAvailable:   22998220 kB\n"
        #expect(MemInfo.availableKiB(in: text) == 22_998_220)
        #expect(MemInfo.availableKiB(in: "MemTotal: 1 kB\n") == nil)
    }
}
